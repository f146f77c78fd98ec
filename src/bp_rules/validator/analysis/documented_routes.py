"""Routes as the OpenAPI page shows them: status codes, declared responses, tags, whether a route or its
router is hidden; shared by the docs checks.

Route tags and documented responses can come from three places: the route decorator, the `APIRouter(...)`
that owns the route, and every `include_router(...)` on the way up to the app. Phase 1 records what each file
declares (routers, includes, routes, raises) as facts; phase 2 joins them across the project. Anything not
literal (`tags=TAGS`, `**kwargs`) counts as declared: the checks only report what they can see is missing.
"""

from __future__ import annotations

import re
from http import HTTPStatus

import libcst as cst

from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import dotted, keyword_arg, positional, string_value
from bp_rules.validator.names import ROUTE_METHODS, ROUTER_FACTORIES
from bp_rules.validator.project import Project
from bp_rules.validator.summary import Function

FASTAPI = frozenset({"fastapi.FastAPI", "fastapi.applications.FastAPI"})


STATUS_NAME = re.compile(r"^HTTP_(\d{3})(_|$)")


def _is_false(arg: cst.Arg | None) -> bool:
    return arg is not None and isinstance(arg.value, cst.Name) and arg.value.value == "False"


def status_code(ctx: FileContext, node: cst.BaseExpression | None, scope=None) -> int | None:
    """A literal status: `404`, `status.HTTP_404_NOT_FOUND`, `HTTPStatus.NOT_FOUND`; None otherwise."""
    if isinstance(node, cst.Integer):
        try:
            return int(node.value)
        except ValueError:
            return None
    if not isinstance(node, (cst.Name, cst.Attribute)):
        return None
    name = ctx.qualify(node, scope)
    module, _, last = name.rpartition(".")
    match = STATUS_NAME.match(last)
    if match and module.rsplit(".", 1)[-1] == "status":
        return int(match.group(1))
    if module in ("http.HTTPStatus", "fastapi.HTTPStatus") and last in HTTPStatus.__members__:
        return HTTPStatus[last].value
    return None


def response_codes(ctx: FileContext, call: cst.Call) -> list[int] | None:
    """The status keys of a call's literal `responses={...}`: [] when absent, None when not literal."""
    if any(arg.star == "**" for arg in call.args):
        return None
    arg = keyword_arg(call, "responses")
    if arg is None:
        return []
    if not isinstance(arg.value, cst.Dict):
        return None
    codes = []
    for el in arg.value.elements:
        if not isinstance(el, cst.DictElement):
            return None
        key = el.key
        text = string_value(key)
        code = int(text) if text is not None and text.isdigit() else status_code(ctx, key)
        if code is None:
            return None
        codes.append(code)
    return codes


def has_tags(call: cst.Call) -> bool:
    """Tags given, or possibly given (`**kwargs`): only a call without them is known to be untagged."""
    return keyword_arg(call, "tags") is not None or any(arg.star == "**" for arg in call.args)


def hidden(ctx: FileContext, call: cst.Call) -> bool:
    """A router or include that keeps its routes out of the schema, or an app that serves no schema at all."""
    if _is_false(keyword_arg(call, "include_in_schema")):
        return True
    arg = keyword_arg(call, "openapi_url")
    return arg is not None and (string_value(arg.value) == "" or _is_none(arg.value))


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def router_facts(ctx: FileContext) -> tuple[list, list]:
    """Module-level routers `[qualname, tagged, response codes, hidden]` and includes
    `[child, parent, tagged, response codes, hidden]`."""
    routers = []
    for stmt in ctx.tree.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Assign) and len(small.targets) == 1:
                target, value = small.targets[0].target, small.value
            elif isinstance(small, cst.AnnAssign):
                target, value = small.target, small.value
            else:
                continue
            # `summary.routers`: also the project's own APIRouter/FastAPI subclasses and router factories
            if isinstance(value, cst.Call) and isinstance(target, cst.Name) and target.value in ctx.summary.routers:
                name = f"{ctx.module}.{target.value}"
                routers.append([name, has_tags(value), response_codes(ctx, value), hidden(ctx, value)])
    includes = []
    for node, scope in ctx.nodes(cst.Call):
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "include_router"):
            continue
        child = keyword_arg(node, "router") or positional(node, 0)
        if child is None:
            continue
        child_name = ctx.qualify(child.value, scope) or (dotted(child.value) or "")
        parent = ctx.qualify(func.value, scope) or (dotted(func.value) or "")
        includes.append([child_name, parent, has_tags(node), response_codes(ctx, node), hidden(ctx, node)])
    return routers, includes


class RouterGraph:
    """Phase 2: what each router inherits from its own declaration and from the includes above it."""

    def __init__(self, project: Project, facts: list[tuple[list, list]]):
        self.project = project
        self.routers: dict[str, tuple[bool, list[int] | None, bool]] = {}
        self.includes: dict[str, list[tuple[str, bool, list[int] | None, bool]]] = {}
        pending = []
        for routers, includes in facts:
            for name, tagged, codes, is_hidden in routers:
                self.routers[name] = (tagged, codes, is_hidden)
            pending += includes
        # an include whose router cannot be named (`for r in routers: app.include_router(r, tags=...)`) may
        # tag any router: then no router is known to be untagged
        self.untraced_tags = False
        for child, parent, tagged, codes, is_hidden in pending:
            name = self.name(child)
            self.includes.setdefault(name, []).append((self.name(parent), tagged, codes, is_hidden))
            self.untraced_tags |= tagged and name not in self.routers

    def name(self, spelled: str) -> str:
        return self.project.canonical(spelled) if spelled else spelled

    def known(self, router: str) -> bool:
        return self.name(router) in self.routers

    def tagged(self, router: str, seen: frozenset[str] = frozenset()) -> bool:
        """Whether some path from the router up to the app gives its routes tags."""
        name = self.name(router)
        if name in seen or self.untraced_tags:
            return True
        own = self.routers.get(name)
        if own is not None and own[0]:
            return True
        return any(t or self.tagged(parent, seen | {name}) for parent, t, _, _ in self.includes.get(name, ()))

    def visible(self, router: str, seen: frozenset[str] = frozenset()) -> bool:
        """Whether the router's routes reach an OpenAPI schema: not hidden by itself, an include or the app."""
        name = self.name(router)
        if name in seen:
            return False
        own = self.routers.get(name)
        if own is not None and own[2]:
            return False
        edges = self.includes.get(name, ())
        return not edges or any(not h and self.visible(parent, seen | {name}) for parent, _, _, h in edges)

    def documented(self, router: str, seen: frozenset[str] = frozenset()) -> set[int] | None:
        """Status codes documented for every route of the router by it and the includes above it."""
        name = self.name(router)
        if name in seen:
            return set()
        out: set[int] = set()
        own = self.routers.get(name)
        if own is not None:
            if own[1] is None:
                return None
            out.update(own[1])
        for parent, _tagged, codes, _hidden in self.includes.get(name, ()):
            if codes is None:
                return None
            out.update(codes)
            above = self.documented(parent, seen | {name})
            if above is None:
                return None
            out.update(above)
        return out


def route_decorators(ctx: FileContext, fn: Function, local_routers: list):
    """The route decorator calls of a route function: (decorator call, method, router name). A route defined
    inside a function (a router factory) uses the router assigned in that function, whose facts are added
    to `local_routers`; a route whose router cannot be found is left out."""
    if not fn.routes:
        return
    for call, method in ctx.method_decorators(fn):
        router = ctx.qualify(call.func.value) or (dotted(call.func.value) or "")
        if method not in ROUTE_METHODS or not any(r.method == method and r.router == router for r in fn.routes):
            continue
        if fn.nested:
            local = _local_router(ctx, fn, call.func.value)
            if local is None:
                continue
            router = local[0]
            local_routers.append(local)
        yield call, method, router


def _local_router(ctx: FileContext, fn: Function, expr: cst.BaseExpression) -> list | None:
    """`router = APIRouter(...)` in the function that defines the route: its router fact."""
    outer = fn.qualname.rpartition(".<locals>.")[0]
    node = ctx.indexer.function_nodes.get(outer)
    if node is None or not isinstance(expr, cst.Name) or not isinstance(node.body, cst.IndentedBlock):
        return None
    for stmt in node.body.body:
        for small in stmt.body if isinstance(stmt, cst.SimpleStatementLine) else ():
            if not (isinstance(small, cst.Assign) and len(small.targets) == 1):
                continue
            target, value = small.targets[0].target, small.value
            if isinstance(target, cst.Name) and target.value == expr.value and isinstance(value, cst.Call):
                if ctx.qualify(value.func) not in ROUTER_FACTORIES:
                    return None
                name = f"{outer}.<locals>.{expr.value}"
                return [name, has_tags(value), response_codes(ctx, value), hidden(ctx, value)]
    return None


def documented_route(call: cst.Call, method: str) -> bool:
    """Routes that appear in the OpenAPI schema and whose keywords can all be seen."""
    if method == "websocket" or any(arg.star == "**" for arg in call.args):
        return False
    return not _is_false(keyword_arg(call, "include_in_schema"))


def node_source(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)
