"""API documentation checks: docs hidden by default, route metadata, documented error statuses.

Route tags and documented responses can come from three places: the route decorator, the `APIRouter(...)`
that owns the route, and every `include_router(...)` on the way up to the app. Phase 1 records what each file
declares (routers, includes, routes, raises) as facts; phase 2 joins them across the project. Anything not
literal (`tags=TAGS`, `**kwargs`) counts as declared: the checks only report what they can see is missing.
"""

from __future__ import annotations

import re
from http import HTTPStatus

import libcst as cst

from bp_rules.validator.analysis.pydantic_kinds import ClassKinds
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import dotted, keyword_arg, positional, string_value
from bp_rules.validator.names import ROUTE_METHODS, ROUTER_FACTORIES
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register
from bp_rules.validator.summary import Function

FASTAPI = frozenset({"fastapi.FastAPI", "fastapi.applications.FastAPI"})
HTTP_EXCEPTIONS = frozenset(
    {"fastapi.HTTPException", "fastapi.exceptions.HTTPException", "starlette.exceptions.HTTPException"}
)
STATUS_NAME = re.compile(r"^HTTP_(\d{3})(_|$)")
STATUS_ATTRIBUTES = ("status_code", "STATUS_CODE")
DEP_DEPTH = 6


# --- shared phase-1 facts: routers, includes, status codes ----------------------------------------------


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


# --- docs-hidden-by-default -----------------------------------------------------------------------------


@register
class DocsHiddenByDefault(FileCheck):
    rule_id = "docs-hidden-by-default"
    node_types = (cst.Call,)

    def check(self, ctx: FileContext) -> None:
        if ctx.config.public_api or ctx.placement.in_tests:
            return
        for node, scope in ctx.nodes(cst.Call):
            if _last_name(node.func) != "FastAPI" or ctx.qualify(node.func, scope) not in FASTAPI:
                continue
            arg = keyword_arg(node, "openapi_url")
            if arg is not None:
                if _always_a_url(arg.value):
                    ctx.report(
                        self.rule_id,
                        node,
                        f"`FastAPI(openapi_url={_code(arg.value)})` serves the schema in every environment; use "
                        '`openapi_url="/openapi.json" if settings.ENVIRONMENT in SHOW_DOCS_IN else None`',
                    )
                continue
            splats = [a for a in node.args if a.star == "**"]
            if splats and not all(self._plain_dict(ctx, a.value, scope) for a in splats):
                continue  # the keyword arguments come from elsewhere: they may set openapi_url
            ctx.report(
                self.rule_id,
                node,
                "`FastAPI(...)` without `openapi_url` serves `/openapi.json` and the docs in every environment; pass "
                '`openapi_url="/openapi.json" if settings.ENVIRONMENT in SHOW_DOCS_IN else None`',
            )

    @staticmethod
    def _plain_dict(ctx: FileContext, value: cst.BaseExpression, scope) -> bool:
        """`**app_configs` where `app_configs` is a module-level dict literal that never gets `openapi_url`."""
        if scope is not None or not isinstance(value, cst.Name) or "openapi_url" in ctx.source:
            return False
        for stmt in ctx.tree.body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else []
                if isinstance(small, cst.AnnAssign):
                    targets = [small.target]
                if any(isinstance(t, cst.Name) and t.value == value.value for t in targets):
                    return isinstance(small.value, cst.Dict)
        return False


# --- docs-route-metadata --------------------------------------------------------------------------------

CREATE = re.compile(r"^(create|add|register)(_|$)")
MISSING_MODEL = "a return annotation or `response_model=`"
MISSING_STATUS = "`status_code=status.HTTP_201_CREATED` (it creates a resource)"
MISSING_SUMMARY = "a docstring or `summary=`"
MISSING_TAGS = "`tags` (on the decorator, its `APIRouter` or the `include_router` call)"


@register
class RouteMetadataFacts(FileCheck):
    rule_id = "docs-route-metadata"
    node_types = (cst.Call, cst.Return)

    def check(self, ctx: FileContext) -> None:
        if ctx.placement.in_tests:
            return  # an app a test builds for itself documents nothing anyone reads
        routes = []
        local_routers: list = []
        local = {fn.qualname: fn for fn in ctx.summary.functions}
        self.responses = {  # functions that return a `Response` they build: the response model does not apply
            scope.info.qualname
            for node, scope in ctx.nodes(cst.Return)
            if scope is not None
            and isinstance(node.value, cst.Call)
            and _is_response_class(ctx.qualify(node.value.func, scope))
        }
        for fn in ctx.summary.functions:
            for call, method, router in route_decorators(ctx, fn, local_routers):
                if documented_route(call, method):
                    routes.append([fn.name, router, *self._missing(ctx, fn, call, method), ctx.fact_span(call)])
        for node, scope in ctx.nodes(cst.Call):
            func = node.func
            if not (isinstance(func, cst.Attribute) and func.attr.value == "add_api_route"):
                continue
            endpoint = keyword_arg(node, "endpoint") or positional(node, 1)
            fn = local.get(ctx.qualify(endpoint.value, scope)) if endpoint is not None else None
            methods = keyword_arg(node, "methods")
            method = "post" if methods is not None and "POST" in _code(methods.value).upper() else "get"
            if fn is not None and documented_route(node, method):
                router = ctx.qualify(func.value, scope) or (dotted(func.value) or "")
                routes.append([fn.name, router, *self._missing(ctx, fn, node, method), ctx.fact_span(node)])
        routers, includes = router_facts(ctx)
        routers += local_routers
        if routes or routers or includes:
            ctx.summary.facts[self.rule_id] = [routes, routers, includes]

    def _missing(self, ctx: FileContext, fn: Function, call: cst.Call, method: str) -> tuple[list[str], bool]:
        node = ctx.function_node(fn)
        missing = []
        declared = keyword_arg(call, "response_model") or keyword_arg(call, "response_class") or node.returns
        if declared is None and fn.qualname not in self.responses:
            missing.append(MISSING_MODEL)
        if method == "post" and keyword_arg(call, "status_code") is None and CREATE.match(fn.name):
            missing.append(MISSING_STATUS)
        described = keyword_arg(call, "summary") or keyword_arg(call, "description")
        if described is None and node.get_docstring() is None:
            missing.append(MISSING_SUMMARY)
        return missing, not has_tags(call)


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def _last_name(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    return node.attr.value if isinstance(node, cst.Attribute) else ""


def _always_a_url(node: cst.BaseExpression) -> bool:
    """A non-empty string literal or an f-string with text: a URL whatever the environment."""
    if isinstance(node, cst.FormattedString):
        return any(isinstance(p, cst.FormattedStringText) and p.value for p in node.parts)
    return bool(string_value(node))


def _is_response_class(name: str) -> bool:
    return name.startswith(("fastapi.responses.", "starlette.responses.")) or name == "fastapi.Response"


@register
class RouteMetadata(ProjectCheck):
    rule_id = "docs-route-metadata"

    def check(self, project: Project) -> None:
        facts = [s.facts[self.rule_id] for s in project.summaries.values() if self.rule_id in s.facts]
        graph = RouterGraph(project, [(f[1], f[2]) for f in facts])
        for summary in project.summaries.values():
            data = summary.facts.get(self.rule_id)
            if not data:
                continue
            for name, router, missing, untagged, span in data[0]:
                if not graph.visible(router):
                    continue
                missing = list(missing)
                if untagged and graph.known(router) and not graph.tagged(router):
                    missing.append(MISSING_TAGS)
                if missing:
                    listed = ", ".join(missing[:-1]) + (" and " if len(missing) > 1 else "") + missing[-1]
                    project.report(
                        self.rule_id,
                        summary.path,
                        tuple(span),
                        f"route `{name}` lacks {listed}, so the OpenAPI docs have to guess; add "
                        f"{'them' if len(missing) > 1 else 'it'}",
                    )


# --- docs-responses-for-variants ------------------------------------------------------------------------


@register
class ResponsesFacts(FileCheck):
    """Phase 1: routes with their documented statuses, what each function raises, exception classes with a
    status attribute, and registered exception handlers."""

    rule_id = "docs-responses-for-variants"
    node_types = (cst.Raise, cst.Call)

    def check(self, ctx: FileContext) -> None:
        if ctx.placement.in_tests:
            return  # an app a test builds for itself documents nothing anyone reads
        routes = []
        local_routers: list = []
        for fn in ctx.summary.functions:
            for call, method, router in route_decorators(ctx, fn, local_routers):
                if not documented_route(call, method):
                    continue
                codes = response_codes(ctx, call)
                arg = keyword_arg(call, "status_code")
                success = status_code(ctx, arg.value) if arg is not None else None
                routes.append([fn.qualname, router, codes, success, ctx.fact_span(call)])
        raises = []
        for node, scope in ctx.nodes(cst.Raise):
            if scope is None or node.exc is None:
                continue
            exc = node.exc
            target = exc.func if isinstance(exc, cst.Call) else exc
            name = ctx.qualify(target, scope)
            if not name:
                continue
            if name in HTTP_EXCEPTIONS:
                if isinstance(exc, cst.Call):
                    arg = keyword_arg(exc, "status_code") or positional(exc, 0)
                    code = status_code(ctx, arg.value, scope) if arg is not None else None
                    if code is not None:
                        raises.append([scope.info.qualname, code, ""])
            elif not name.startswith("builtins."):
                raises.append([scope.info.qualname, 0, name])
        statuses = []
        for qualname, node in ctx.indexer.class_nodes.items():
            body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
            for stmt in body:
                for small in stmt.body if isinstance(stmt, cst.SimpleStatementLine) else ():
                    target = small.targets[0].target if isinstance(small, cst.Assign) and small.targets else None
                    if isinstance(small, cst.AnnAssign):
                        target = small.target
                    if isinstance(target, cst.Name) and target.value in STATUS_ATTRIBUTES and small.value is not None:
                        code = status_code(ctx, small.value)
                        if code is not None:
                            statuses.append([qualname, code])
        handlers = self._handlers(ctx)
        routers, includes = router_facts(ctx)
        routers += local_routers
        if routes or raises or statuses or handlers or routers or includes:
            ctx.summary.facts[self.rule_id] = [routes, raises, statuses, handlers, routers, includes]

    @staticmethod
    def _handlers(ctx: FileContext) -> list[str]:
        out = []
        for node, scope in ctx.nodes(cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value in ("add_exception_handler", "exception_handler"):
                arg = keyword_arg(node, "exc_class_or_status_code") or positional(node, 0)
                name = ctx.qualify(arg.value, scope) if arg is not None else ""
                if name:
                    out.append(name)
            elif ctx.qualify(func, scope) in FASTAPI:
                arg = keyword_arg(node, "exception_handlers")
                if arg is not None and isinstance(arg.value, cst.Dict):
                    for el in arg.value.elements:
                        name = ctx.qualify(el.key, scope) if isinstance(el, cst.DictElement) else ""
                        if name:
                            out.append(name)
        return out


@register
class ResponsesForVariants(ProjectCheck):
    rule_id = "docs-responses-for-variants"

    def check(self, project: Project) -> None:
        self.project = project
        self.kinds = ClassKinds(project)
        self.raises: dict[str, list[tuple[int, str]]] = {}
        self.statuses: dict[str, int] = {}
        handlers: set[str] = set()
        routes = []
        router_data = []
        for summary in project.summaries.values():
            data = summary.facts.get(self.rule_id)
            if not data:
                continue
            routes += [(summary, *r) for r in data[0]]
            for qualname, code, cls in data[1]:
                self.raises.setdefault(qualname, []).append((code, cls))
            for qualname, code in data[2]:
                self.statuses[qualname] = code
            handlers.update(project.canonical(h) for h in data[3])
            router_data.append((data[4], data[5]))
        self.handlers = handlers
        graph = RouterGraph(project, router_data)
        for summary, qualname, router, codes, success, span in routes:
            if codes is None:
                continue
            documented = graph.documented(router) if graph.known(router) else set()
            if documented is None or not graph.visible(router):
                continue
            found = project.functions.get(qualname)
            if found is None:
                continue
            fn = found[0]
            emitted = self._emitted(fn)
            skip = {422, success or 200} | set(codes) | documented
            missing = {code: why for code, why in emitted.items() if code >= 400 and code not in skip}
            if not missing:
                continue
            listed = ", ".join(f"{code} ({missing[code]})" for code in sorted(missing))
            first = min(missing)
            project.report(
                self.rule_id,
                summary.path,
                tuple(span),
                f"route `{fn.name}` can answer {listed} but its `responses=` does not document "
                f'{"them" if len(missing) > 1 else "it"}; add e.g. `responses={{{first}: {{"model": ErrorOut}}}}`',
            )

    def _emitted(self, route: Function) -> dict[int, str]:
        """Status -> where it comes from, for the route body and its dependencies (transitively)."""
        out: dict[int, str] = {}
        todo: list[tuple[Function, int]] = [(route, 0)]
        seen: set[str] = set()
        while todo:
            fn, depth = todo.pop(0)
            if fn.qualname in seen or depth > DEP_DEPTH:
                continue
            seen.add(fn.qualname)
            where = f"raised in `{fn.name}`" if fn is route else f"raised by dependency `{fn.name}`"
            for code, cls in self.raises.get(fn.qualname, ()):
                if cls:
                    code = self._class_status(cls)
                    if code is None:
                        continue
                    label = f"`{cls.rsplit('.', 1)[-1]}` {where}"
                else:
                    label = where
                out.setdefault(code, label)
            deps = [self.project.param_dependency(p) for p in fn.params] + list(fn.dependencies)
            for dep in deps:
                found = self.project.function(dep) if dep else None
                if found is not None:
                    todo.append((found[0], depth + 1))
        return out

    def _class_status(self, name: str) -> int | None:
        """The status of a raised exception class FastAPI turns into a response: an `HTTPException` subclass
        or a class with a registered handler, with a literal `status_code`/`STATUS_CODE` in its hierarchy."""
        found = self.kinds.find(name)
        if found is None:
            return None
        chain = self.kinds.project_bases(found[0].qualname)
        code = next((self.statuses[c] for c in chain if c in self.statuses), None)
        if code is None:
            return None
        handled = any(c in self.handlers for c in chain) or any(
            base in HTTP_EXCEPTIONS for c in chain for base in self.project.classes[c][0].bases
        )
        return code if handled else None
