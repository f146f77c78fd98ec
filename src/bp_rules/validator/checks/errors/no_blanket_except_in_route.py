"""`errors-no-blanket-except-in-route`: a route that catches everything turns a 500 into a lie."""

from __future__ import annotations

import libcst as cst

from bp_rules.validator.analysis.handlers import reraises
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
            wraps_result = _returns(node.body)
            for handler in node.handlers:
                caught = self._blanket(ctx, handler, scope)
                if caught is None or reraises(handler) or _logs_traceback(handler):
                    continue
                # `except Exception: log` around a best-effort side effect, with the route's result computed
                # elsewhere, is a deliberate choice; a handler that answers, or a try around the result, is not
                if not (wraps_result or _returns(handler.body) or handler.type is None or "BaseException" in caught):
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


def _logs_traceback(handler: cst.ExceptHandler) -> bool:
    """`logger.exception(...)` or a log call with `exc_info=True`: the failure is recorded, the answer deliberate."""
    for node in _walk(handler.body):
        if not isinstance(node, cst.Call):
            continue
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "exception":
            return True
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == "exc_info" and _truthy(arg.value):
                return True
    return False


def _truthy(value: cst.BaseExpression) -> bool:
    return not (isinstance(value, cst.Name) and value.value in ("False", "None"))


def _walk(node: cst.CSTNode):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if not isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            stack.extend(current.children)


def _returns(block: cst.BaseSuite) -> bool:
    """Whether a block returns, looking into nested blocks but not into nested functions."""
    body = block.body if isinstance(block, cst.IndentedBlock) else ()
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            if any(isinstance(s, cst.Return) for s in stmt.body):
                return True
        elif isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            continue
        else:
            for name in ("body", "orelse", "finalbody"):
                inner = getattr(stmt, name, None)
                inner = getattr(inner, "body", inner) if isinstance(inner, (cst.Else, cst.Finally)) else inner
                if isinstance(inner, cst.If):
                    inner = cst.IndentedBlock(body=[inner])
                if isinstance(inner, cst.BaseSuite) and _returns(inner):
                    return True
            for handler in getattr(stmt, "handlers", ()):
                if _returns(handler.body):
                    return True
    return False
