"""`docs-responses-for-variants`: a route lists the non-default statuses it can produce (a 404 from its
dependency, 403, 409, ...) in its decorator's `responses={...}`, with a model for their body."""

from __future__ import annotations

import libcst as cst

from bp_rules.validator.analysis.documented_routes import (
    FASTAPI,
    RouterGraph,
    documented_route,
    response_codes,
    route_decorators,
    router_facts,
    status_code,
)
from bp_rules.validator.analysis.pydantic_kinds import ClassKinds
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import keyword_arg, positional
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register
from bp_rules.validator.summary import Function

HTTP_EXCEPTIONS = frozenset(
    {"fastapi.HTTPException", "fastapi.exceptions.HTTPException", "starlette.exceptions.HTTPException"}
)
STATUS_ATTRIBUTES = ("status_code", "STATUS_CODE")
DEP_DEPTH = 6


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
