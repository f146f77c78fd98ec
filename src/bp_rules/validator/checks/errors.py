"""`errors-no-blanket-except-in-route`: a route that catches everything turns a 500 into a lie."""

from __future__ import annotations

import libcst as cst

from bp_rules.validator.context import FileContext
from bp_rules.validator.registry import FileCheck, register

BLANKET = frozenset({"builtins.Exception", "builtins.BaseException"})


@register
class NoBlanketExceptInRoute(FileCheck):
    rule_id = "errors-no-blanket-except-in-route"
    node_types = (cst.Try,)

    def check(self, ctx: FileContext) -> None:
        for node, scope in ctx.nodes(cst.Try):
            if scope is None:
                continue
            fn = scope.info
            if ctx.is_route(fn):
                kind = "route"
            elif ctx.is_injected(fn):
                kind = "dependency"
            else:
                continue
            for handler in node.handlers:
                caught = self._blanket(ctx, handler, scope)
                if caught is None or _reraises(handler):
                    continue
                ctx.report(
                    self.rule_id,
                    handler,
                    f"{kind} `{fn.name}` catches {caught} and does not re-raise, hiding real failures; catch "
                    "the specific exceptions and raise `HTTPException` with a real status",
                )

    @staticmethod
    def _blanket(ctx: FileContext, handler: cst.ExceptHandler, scope) -> str | None:
        if handler.type is None:
            return "everything (bare `except:`)"
        types = [el.value for el in handler.type.elements] if isinstance(handler.type, cst.Tuple) else [handler.type]
        for t in types:
            name = ctx.qualify(t, scope)
            if name in BLANKET:
                return f"`{name.removeprefix('builtins.')}`"
        return None


def _reraises(handler: cst.ExceptHandler) -> bool:
    body = handler.body.body if isinstance(handler.body, cst.IndentedBlock) else []
    if not body:
        return False
    last = body[-1]
    return isinstance(last, cst.SimpleStatementLine) and any(isinstance(s, cst.Raise) for s in last.body)
