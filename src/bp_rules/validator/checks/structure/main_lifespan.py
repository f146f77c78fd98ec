"""`structure-main-lifespan`: the app is built with `FastAPI(lifespan=...)`, not `@app.on_event`,
`add_event_handler` or `on_startup=`/`on_shutdown=`."""

from __future__ import annotations

import libcst as cst

from bp_rules.validator import names as N
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import dotted, keyword_arg, positional
from bp_rules.validator.registry import FileCheck, register

APP_FACTORIES = N.ROUTER_FACTORIES | {"starlette.applications.Starlette", "starlette.routing.Router"}


EVENT_KEYWORDS = ("on_startup", "on_shutdown")


@register
class MainLifespan(FileCheck):
    rule_id = "structure-main-lifespan"
    node_types = (cst.Call,)

    def check(self, ctx: FileContext) -> None:
        for fn in ctx.summary.functions:
            for expr, method in ctx.method_decorators(fn):
                if method == "on_event" and _is_app(ctx, expr.func.value, None):
                    event = _event(expr)
                    ctx.report(
                        self.rule_id,
                        expr,
                        f"`@{dotted(expr.func)}({event})` on `{fn.name}` is deprecated and ignored once the app has a "
                        "lifespan; move it into an `@asynccontextmanager` lifespan passed as `FastAPI(lifespan=...)`",
                    )
        for node, scope in ctx.nodes(cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value == "add_event_handler":
                if _is_app(ctx, func.value, scope):
                    ctx.report(
                        self.rule_id,
                        node,
                        f"`{dotted(func)}(...)` registers a deprecated startup/shutdown handler; do the work in an "
                        "`@asynccontextmanager` lifespan passed as `FastAPI(lifespan=...)`",
                    )
                continue
            callee = ctx.qualify(func, scope)
            if callee not in APP_FACTORIES:
                continue
            for arg in node.args:
                if arg.keyword is not None and arg.keyword.value in EVENT_KEYWORDS:
                    ctx.report(
                        self.rule_id,
                        arg.keyword,
                        f"`{arg.keyword.value}=` of `{N.last(callee)}(...)` is deprecated; move these handlers into "
                        "an `@asynccontextmanager` lifespan passed as `lifespan=`",
                    )


def _event(call: cst.Call) -> str:
    arg = positional(call, 0) or keyword_arg(call, "event_type")
    return cst.Module([]).code_for_node(arg.value) if arg is not None else ""


def _is_app(ctx: FileContext, expr: cst.BaseExpression, scope) -> bool:
    """An app or router: a module variable made by `FastAPI()`/`APIRouter()`, else by name (B1 fallback)."""
    name = ctx.qualify(expr, scope)
    local = name.removeprefix(ctx.module + ".")
    if name.startswith(ctx.module + ".") and local in ctx.summary.assigned_calls:
        return local in ctx.summary.routers or ctx.summary.assigned_calls[local] in APP_FACTORIES
    raw = dotted(expr)
    return bool(raw) and N.looks_like_router(raw)
