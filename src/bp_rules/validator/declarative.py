"""The generic interpreter of declarative checks (`kind: import` and `kind: call` in a record).

These let a pack, the user's own included, add a checked rule without writing Python.
"""

from __future__ import annotations

import libcst as cst

from bp_rules.schema.models import CallCheck, ImportCheck, Rule
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import keyword_arg
from bp_rules.validator.names import matches


class ImportRuleCheck:
    def __init__(self, rule: Rule):
        assert isinstance(rule.check, ImportCheck)
        self.rule_id = rule.id
        self.names = frozenset(rule.check.names) | frozenset(f"{n}.*" for n in rule.check.names)
        self.message = rule.check.message

    def check(self, ctx: FileContext) -> None:
        summary = ctx.summary
        reported: set[str] = set()  # qualified names whose import was already reported
        for imp in summary.imports:
            found = matches(imp.module, self.names)
            if found:
                reported.add(imp.module)
                ctx.report_at(self.rule_id, imp, self.message.format(name=imp.module))
        # references through a module that itself is allowed: `import pydantic` then `pydantic.BaseSettings`
        for cls in summary.classes:
            for base in cls.bases:
                if matches(base, self.names) and not _already(base, reported):
                    ctx.report_at(self.rule_id, cls, self.message.format(name=base))
        for fn in [*summary.functions, None]:
            calls = fn.calls if fn is not None else summary.module_calls
            for call in calls:
                name = call.name
                if matches(name, self.names) and not _already(name, reported):
                    ctx.report_at(self.rule_id, call, self.message.format(name=name.removesuffix("()")))


def _already(name: str, reported: set[str]) -> bool:
    return any(name == r or name.startswith((r + ".", r + "(")) for r in reported)


class CallRuleCheck:
    def __init__(self, rule: Rule):
        assert isinstance(rule.check, CallCheck)
        self.rule_id = rule.id
        self.spec = rule.check
        self.calls = frozenset(rule.check.calls)

    def check(self, ctx: FileContext) -> None:
        spec = self.spec
        for fn in [*ctx.summary.functions, None]:
            if fn is None:
                if spec.inside != "anywhere":
                    continue
                calls = ctx.summary.module_calls
            else:
                if spec.inside == "async-function" and not fn.is_async:
                    continue
                if spec.inside == "route" and not ctx.is_route(fn):
                    continue
                calls = fn.calls
            for call in calls:
                if spec.inside != "anywhere" and call.nested:
                    continue
                found = matches(call.name, self.calls)
                if not found:
                    continue
                keyword = self._offending_keyword(ctx.call_node(call))
                if keyword is False:
                    continue
                message = spec.message.format(call=call.name, keyword=keyword or "")
                ctx.report_at(self.rule_id, call, message)

    def _offending_keyword(self, node: cst.Call) -> str | bool | None:
        """The keyword that makes the call a finding; None if any call is one; False if this one is fine."""
        spec = self.spec
        if spec.forbid_keywords:
            for name in spec.forbid_keywords:
                if keyword_arg(node, name) is not None:
                    return name
            return False
        if spec.require_keywords:
            if any(arg.star == "**" for arg in node.args):
                return False  # keywords passed through **kwargs cannot be seen: stay quiet
            for name, value in spec.require_keywords.items():
                arg = keyword_arg(node, name)
                if arg is None:
                    return name
                if value is not None and cst.Module([]).code_for_node(arg.value).strip() != value:
                    return name
            return False
        return None


def declarative_check(rule: Rule):
    if isinstance(rule.check, ImportCheck):
        return ImportRuleCheck(rule)
    if isinstance(rule.check, CallCheck):
        return CallRuleCheck(rule)
    return None
