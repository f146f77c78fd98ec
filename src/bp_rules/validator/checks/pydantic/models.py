"""Pydantic model checks: `json_encoders`, constraints that contradict a `None` default."""

from __future__ import annotations

import libcst as cst

from bp_rules.validator.analysis.statements import class_body, small_statements
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import keyword_arg, positional, string_value
from bp_rules.validator.registry import FileCheck, register

CONFIG_DICT = frozenset({"pydantic.ConfigDict", "pydantic.config.ConfigDict"})
FIELD = frozenset({"pydantic.Field", "pydantic.fields.Field"})
CONSTRAINTS = ("gt", "ge", "lt", "le", "min_length", "max_length", "pattern", "multiple_of")


@register
class NoJsonEncoders(FileCheck):
    rule_id = "pydantic-no-json-encoders"
    node_types = (cst.Call,)
    MESSAGE = (
        "`json_encoders` is deprecated in Pydantic v2; serialize `{what}` with `@field_serializer` or "
        "`Annotated[T, PlainSerializer(...)]`"
    )

    def check(self, ctx: FileContext) -> None:
        for node, scope in ctx.nodes(cst.Call):
            if ctx.qualify(node.func, scope) in CONFIG_DICT:
                arg = keyword_arg(node, "json_encoders")
                if arg is not None:
                    ctx.report(self.rule_id, arg.keyword, self.MESSAGE.format(what=_encoded_types(arg.value)))
        for cls in ctx.indexer.class_nodes.values():
            for stmt in small_statements(cls):
                # model_config = {"json_encoders": ...}
                if (
                    isinstance(stmt, cst.Assign)
                    and isinstance(stmt.value, cst.Dict)
                    and any(isinstance(t.target, cst.Name) and t.target.value == "model_config" for t in stmt.targets)
                ):
                    for el in stmt.value.elements:
                        if isinstance(el, cst.DictElement) and string_value(el.key) == "json_encoders":
                            ctx.report(self.rule_id, el.key, self.MESSAGE.format(what=_encoded_types(el.value)))
            for stmt in class_body(cls):
                # class Config: json_encoders = {...}
                if isinstance(stmt, cst.ClassDef) and stmt.name.value == "Config":
                    for inner in small_statements(stmt):
                        if isinstance(inner, (cst.Assign, cst.AnnAssign)):
                            targets = (
                                [t.target for t in inner.targets] if isinstance(inner, cst.Assign) else [inner.target]
                            )
                            for target in targets:
                                if isinstance(target, cst.Name) and target.value == "json_encoders":
                                    ctx.report(
                                        self.rule_id,
                                        target,
                                        self.MESSAGE.format(what=_encoded_types(inner.value)),
                                    )


def _encoded_types(value: cst.BaseExpression | None) -> str:
    if isinstance(value, cst.Dict):
        keys = [cst.Module([]).code_for_node(el.key) for el in value.elements if isinstance(el, cst.DictElement)]
        if keys:
            return ", ".join(keys)
    return "these types"


@register
class ConstraintDefaultConflict(FileCheck):
    rule_id = "pydantic-constraint-default-conflict"

    def check(self, ctx: FileContext) -> None:
        for cls in ctx.indexer.class_nodes.values():
            for stmt in small_statements(cls):
                if not isinstance(stmt, cst.AnnAssign) or not isinstance(stmt.value, cst.Call):
                    continue
                call = stmt.value
                if ctx.qualify(call.func) not in FIELD or keyword_arg(call, "validate_default") is not None:
                    continue
                default = keyword_arg(call, "default") or positional(call, 0)
                if default is None or not (isinstance(default.value, cst.Name) and default.value.value == "None"):
                    continue
                constraints = [c for c in CONSTRAINTS if keyword_arg(call, c) is not None]
                annotation = cst.Module([]).code_for_node(stmt.annotation.annotation)
                if not constraints or _admits_none(annotation):
                    continue
                name = stmt.target.value if isinstance(stmt.target, cst.Name) else "field"
                ctx.report(
                    self.rule_id,
                    call,
                    f"`{name}: {annotation}` has `default=None` with `{constraints[0]}=`, but Pydantic does not "
                    f"validate defaults, so `None` slips through; make it required or `{annotation} | None`",
                )


def _admits_none(annotation: str) -> bool:
    return "None" in annotation or "Optional" in annotation or annotation.strip() in ("Any", "typing.Any")
