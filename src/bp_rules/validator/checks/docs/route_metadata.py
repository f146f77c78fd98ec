"""`docs-route-metadata`: each route has a response model, a summary or docstring, tags, and `status_code=201`
when it creates something."""

from __future__ import annotations

import re

import libcst as cst

from bp_rules.validator.analysis.documented_routes import (
    RouterGraph,
    documented_route,
    has_tags,
    node_source,
    route_decorators,
    router_facts,
)
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import dotted, keyword_arg, positional
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register
from bp_rules.validator.summary import Function

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
            method = "post" if methods is not None and "POST" in node_source(methods.value).upper() else "get"
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
