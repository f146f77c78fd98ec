"""Errors: domain exceptions below the router, and translated exceptions chained with `from`
(catalog 6.8, rules 53 and 54)."""

from __future__ import annotations

import libcst as cst

from bp_rules.validator.analysis import phase_facts as F
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import dotted
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register

# built-ins a dependency may raise by mistake: none of them is an HTTP error, so the client gets a 500
BARE_BUILTINS = frozenset(
    f"builtins.{n}"
    for n in ("ValueError", "KeyError", "TypeError", "LookupError", "IndexError", "RuntimeError", "Exception",
              "AttributeError", "AssertionError")
)  # fmt: skip
BROAD = frozenset({"builtins.Exception", "builtins.BaseException"})


@register
class DomainExceptionsInFiles(FileCheck):
    """`HTTPException` in `service.py`/`client.py` (reported here); built-ins raised by functions that may be
    dependencies (recorded for the project check, which knows the dependencies)."""

    rule_id = "errors-domain-exceptions"
    node_types = (cst.Raise, cst.Try)

    def check(self, ctx: FileContext) -> None:
        layer = ctx.placement.role if ctx.placement.role in ("service", "client") else None
        with_try = {scope.info.qualname for _, scope in ctx.nodes(cst.Try) if scope is not None}
        index = None
        for node, scope in ctx.nodes(cst.Raise):
            exc = node.exc
            func = exc.func if isinstance(exc, cst.Call) else exc
            if func is None:
                continue
            name = ctx.qualify(func, scope)
            if layer and not ctx.placement.in_tests and name in F.HTTP_EXCEPTIONS:
                ctx.report(
                    self.rule_id,
                    node,
                    f"`{layer}.py` raises `HTTPException`, tying the {layer} layer to HTTP; raise a domain "
                    "exception from the domain's `exceptions.py` (e.g. `PostNotFound`) and map it to a status once",
                )
            elif (
                name in BARE_BUILTINS
                and isinstance(exc, cst.Call)
                and scope is not None
                and scope.info.qualname not in with_try
            ):
                index = index if index is not None else F.call_index(ctx)
                found = index.get(id(exc))
                if found is not None and found[0] is scope.info:
                    F.record(ctx, self.rule_id, "raise", scope.info.qualname, found[1], name)
        for name in F.exception_handlers(ctx):
            F.record(ctx, self.rule_id, "handler", name)


@register
class DomainExceptions(ProjectCheck):
    rule_id = "errors-domain-exceptions"

    def check(self, project: Project) -> None:
        handled = {f[1] for s in project.summaries.values() for f in F.read(s, self.rule_id) if f[0] == "handler"}
        for summary in project.summaries.values():
            facts = [f[1:] for f in F.read(summary, self.rule_id) if f[0] == "raise"]
            for fn, call, (name,) in F.fact_calls(summary, facts):
                if fn is None or not project.is_dependency(fn) or project.is_route(fn):
                    continue
                if name in handled or handled & BROAD:
                    continue  # the app turns it into a response itself
                short = name.removeprefix("builtins.")
                project.report(
                    self.rule_id,
                    summary.path,
                    call.span,
                    f"dependency `{fn.name}` raises a bare `{short}`, which FastAPI answers with a 500; raise a "
                    "domain exception (e.g. `PostNotFound`) that maps to the right status",
                )


@register
class ChainFrom(FileCheck):
    rule_id = "errors-chain-from"
    node_types = (cst.ExceptHandler,)

    def check(self, ctx: FileContext) -> None:
        for handler, _scope in ctx.nodes(cst.ExceptHandler):
            bound = handler.name.name.value if handler.name and isinstance(handler.name.name, cst.Name) else None
            caught = F.code(handler.type) if handler.type is not None else "..."
            if isinstance(handler.type, cst.Tuple) and not handler.type.lpar:
                caught = f"({caught})"  # `except A, B as exc` is not valid: the tuple needs parentheses
            for node in F.raises_in(handler.body):
                if node.exc is None or node.cause is not None:
                    continue
                exc = node.exc
                target = exc.func if isinstance(exc, cst.Call) else exc
                if bound and dotted(target) is not None and dotted(target).split(".")[0] == bound:
                    continue  # re-raises the caught exception (`raise exc`, `raise exc.with_traceback(tb)`)
                new = F.code(target)
                cause = bound or "exc"
                binding = "" if bound else f" (bind it: `except {caught} as exc:`)"
                ctx.report(
                    self.rule_id,
                    node,
                    f"`raise {new}` inside `except {caught}` does not chain the original; write "
                    f"`raise {new}{'(...)' if isinstance(exc, cst.Call) else ''} from {cause}`{binding}, or "
                    "`from None` to hide it on purpose",
                )
