"""`serialization-no-double-validation`: a route that builds its own response model gets it validated again."""

from __future__ import annotations

import libcst as cst

from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import dotted, keyword_arg
from bp_rules.validator.names import ROUTE_METHODS
from bp_rules.validator.registry import FileCheck, register
from bp_rules.validator.summary import Function

NOT_MODELS = (
    "builtins.",
    "typing.",
    "fastapi.responses.",
    "starlette.responses.",
    "collections.",
    "fastapi.Response",
)


@register
class NoDoubleValidation(FileCheck):
    rule_id = "serialization-no-double-validation"
    node_types = (cst.Return,)

    def check(self, ctx: FileContext) -> None:
        returns: dict[str, list[cst.Return]] = {}
        for node, scope in ctx.nodes(cst.Return):
            if scope is not None:
                returns.setdefault(scope.info.qualname, []).append(node)
        for fn in ctx.summary.functions:
            if not ctx.is_route(fn) or fn.qualname not in returns:
                continue
            model, is_list = self._response_model(ctx, fn)
            if not model or model.startswith(NOT_MODELS) or model.endswith("Response"):
                continue
            short = model.rsplit(".", 1)[-1]
            for ret in returns[fn.qualname]:
                if self._builds(ctx, ret.value, model, is_list):
                    ctx.report(
                        self.rule_id,
                        ret.value,
                        f"route `{fn.name}` builds the `{short}` it returns, and FastAPI validates it again "
                        f"against the response model; return the dict or ORM row and let FastAPI validate once",
                    )

    def _response_model(self, ctx: FileContext, fn: Function) -> tuple[str, bool]:
        node = ctx.function_node(fn)
        for call, method in ctx.method_decorators(fn):
            if method not in ROUTE_METHODS:
                continue
            arg = keyword_arg(call, "response_model")
            if arg is not None:
                return _model_of(ctx, arg.value)
        if node.returns is not None:
            return _model_of(ctx, node.returns.annotation)
        return "", False

    def _builds(self, ctx: FileContext, value: cst.BaseExpression | None, model: str, is_list: bool) -> bool:
        if is_list:
            return isinstance(value, cst.ListComp) and _builds_one(ctx, value.elt, model)
        return _builds_one(ctx, value, model)


def _builds_one(ctx: FileContext, value: cst.BaseExpression | None, model: str) -> bool:
    """`M(...)`, `M.model_validate(...)` or `M.model_construct(...)`."""
    if not isinstance(value, cst.Call):
        return False
    if ctx.qualify(value.func) == model:
        return True
    func = value.func
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value in ("model_validate", "model_construct")
        and ctx.qualify(func.value) == model
    )


def _model_of(ctx: FileContext, expr: cst.BaseExpression) -> tuple[str, bool]:
    if isinstance(expr, cst.Subscript) and dotted(expr.value) in ("list", "List", "typing.List", "Sequence"):
        first = expr.slice[0].slice if expr.slice else None
        if isinstance(first, cst.Index):
            return ctx.qualify(first.value), True
        return "", False
    return ctx.qualify(expr), False
