"""REST paths: resource-oriented segments, and path parameters named the way dependencies read them
(catalog 6.5, rules 47 and 48)."""

from __future__ import annotations

import re
from collections import defaultdict

import libcst as cst

from bp_rules.validator.analysis import phase_facts as F
from bp_rules.validator.context import FileContext
from bp_rules.validator.names import ANNOTATED
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register
from bp_rules.validator.summary import NO_SPAN, Function, Param, Route

# verbs that repeat what the HTTP method already says, and the methods they repeat. `POST /delete` or
# `POST /update` is an action endpoint (a bulk operation with a body): POST does not say delete, and the
# resource path without the verb (`POST ""`) would mean create.
VERB_METHODS = {
    "get": frozenset({"get"}),
    "fetch": frozenset({"get"}),
    "create": frozenset({"post", "put"}),
    "update": frozenset({"put", "patch"}),
    "delete": frozenset({"delete"}),
}
# words that make the verb name a different operation than the plain method: `POST /create-bulk` sits beside
# `POST ""`, which creates one
BULK_WORDS = frozenset({"bulk", "batch", "many", "multiple", "all"})
WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
SNAKE = re.compile(r"^[a-z_][a-z0-9_]*$")


def _segments(path: str) -> list[tuple[str, list[str]]]:
    """Each non-empty segment as (its static text, the path parameters in it)."""
    out = []
    for segment in path.split("/"):
        if segment:
            out.append((F.PATH_PARAM.sub("", segment), F.path_params(segment)))
    return out


@register
class ResourcePaths(FileCheck):
    rule_id = "rest-resource-paths"

    def check(self, ctx: FileContext) -> None:
        routes: list[Route] = [r for fn in ctx.summary.functions for r in fn.routes]
        routes += [r for _, r in ctx.summary.route_endpoints]
        for route in routes:
            if route.path is None:
                continue
            problem = self._problem(route.path, route.method)
            if problem:
                ctx.report_at(self.rule_id, route, f"path `{route.path}` {problem}")

    @staticmethod
    def _problem(path: str, method: str) -> str | None:
        segments = _segments(path)
        for i, (static, _params) in enumerate(segments):
            words = WORD.findall(static)
            verb = words[0].lower() if words else ""
            bulk = BULK_WORDS.intersection(w.lower() for w in words)
            if verb in VERB_METHODS and method in VERB_METHODS[verb] and words[0][:1].islower() and not bulk:
                after_id = i > 0 and segments[i - 1][1] and not segments[i - 1][0]
                if not (after_id and method == "post"):  # `POST /posts/{post_id}/publish`-style actions are fine
                    hint = ""
                    if static.lower() == verb and not _params:
                        rest = "/".join(s for s in path.split("/") if s and s != static)
                        hint = f" (`{method.upper()} /{rest}`)" if rest else ' (the collection itself, path `""`)'
                    return (
                        f"names the action `{static}`, which the `{method.upper()}` method already says; name "
                        f"the resource instead{hint}"
                    )
        for static, _params in segments:
            if any(c.isupper() for c in static):
                return f"has the segment `{static}` in camelCase or upper case; use lowercase words with hyphens"
        for _static, params in segments:
            for name in params:
                if not SNAKE.match(name):
                    return f"has the path parameter `{{{name}}}`, not in snake_case; name it like its Python parameter"
        return None


# --- 48 -----------------------------------------------------------------------------------------------------

SCALARS = frozenset(
    {"builtins.int", "builtins.str", "builtins.float", "uuid.UUID", "pydantic.UUID4", "pydantic.types.UUID4"}
)


def _entity_param(param: Param) -> bool:
    """A parameter FastAPI binds from the path if the template names it, else from the query string."""
    return (
        param.name.endswith("_id")
        and param.depends is None
        and not param.default_call
        and param.default_span == NO_SPAN
        and param.annotation in SCALARS
    )


@register
class ConsistentPathParamsFacts(FileCheck):
    """Phase 1 of `rest-consistent-path-params`: literal router prefixes, `include_router` prefixes, and
    `_id` parameters wrapped in `Annotated[..., Query()/Path()/...]` (explicit, so never a surprise)."""

    rule_id = "rest-consistent-path-params"

    def check(self, ctx: FileContext) -> None:
        rid = self.rule_id
        for var, prefix in F.router_prefixes(ctx).items():
            F.record(ctx, rid, "router", f"{ctx.module}.{var}", prefix, ctx.summary.routers[var].endswith("FastAPI"))
        for fn in [*ctx.summary.functions, None]:
            calls = fn.calls if fn is not None else ctx.summary.module_calls
            for call in calls:
                if not call.name.endswith("include_router") and call.name:
                    continue
                node = ctx.call_node(call)
                if not (isinstance(node.func, cst.Attribute) and node.func.attr.value == "include_router"):
                    continue
                child = F.first_arg(node, "router")
                F.record(
                    ctx,
                    rid,
                    "include",
                    F.qualify_module_level(ctx, node.func.value),
                    F.qualify_module_level(ctx, child.value) if child is not None else "",
                    F.string_keyword(node, "prefix"),
                )
        for fn in ctx.summary.functions:
            marked = [i for i, p in enumerate(fn.params) if _entity_param(p)]
            if not marked:
                continue
            node = ctx.function_node(fn)
            params = [*node.params.posonly_params, *node.params.params, *node.params.kwonly_params]
            for i in marked:
                annotation = params[i].annotation.annotation if i < len(params) and params[i].annotation else None
                if isinstance(annotation, cst.Subscript) and ctx.qualify(annotation.value) in ANNOTATED:
                    F.record(ctx, rid, "explicit", fn.qualname, i)


@register
class ConsistentPathParams(ProjectCheck):
    rule_id = "rest-consistent-path-params"

    def check(self, project: Project) -> None:
        self.project = project
        self.prefix_of: dict[str, str | None] = {}
        self.includes: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
        self.explicit: set[tuple[str, int]] = set()
        self.apps: set[str] = set()
        self.unknown = False  # some router is included with a prefix that cannot be attributed
        for summary in project.summaries.values():
            for fact in F.read(summary, self.rule_id):
                kind = fact[0]
                if kind == "router":
                    self.prefix_of[project.canonical(fact[1])] = fact[2]
                    if fact[3]:
                        self.apps.add(project.canonical(fact[1]))
                elif kind == "include":
                    parent, child, prefix = fact[1:]
                    if not child:
                        self.unknown = self.unknown or prefix is None or "{" in prefix
                    else:
                        self.includes[project.canonical(child)].append((project.canonical(parent), prefix))
                elif kind == "explicit":
                    self.explicit.add((fact[1], fact[2]))
        endpoints: dict[str, list[Route]] = defaultdict(list)
        for summary in project.summaries.values():
            for endpoint, route in summary.route_endpoints:
                endpoints[project.canonical(endpoint)].append(route)
        for fn, summary in project.functions.values():
            for route in [*fn.routes, *endpoints.get(fn.qualname, ())]:
                self._check_route(fn, summary, route)

    def _templates(self, router: str, seen: frozenset[str] = frozenset()) -> list[str] | None:
        own = self.prefix_of.get(router, "")
        if own is None:
            return None
        parents = self.includes.get(router)
        if not parents:
            # a router included nowhere we can see may be the one included with the unknown prefix
            return None if self.unknown and router not in self.apps else [own]
        out: list[str] = []
        for parent, prefix in parents:
            if prefix is None:
                return None
            if parent in seen:
                continue
            above = self._templates(parent, seen | {router}) if parent else [""]
            if above is None:
                return None
            out += [a + prefix + own for a in above]
        return out or [own]

    def _check_route(self, fn: Function, summary, route: Route) -> None:
        if route.path is None:
            return
        prefixes = self._templates(self.project.canonical(route.router))
        if prefixes is None:
            return
        templates = [p + route.path for p in prefixes]
        named = [set(F.path_params(t)) for t in templates]
        if not all(any(n == "id" or n.endswith("_id") for n in names) for names in named):
            return
        own = {p.name for p in fn.params}
        missing: dict[str, Function] = {}
        for dep_fn, param in self._dependency_params(fn):
            if param.name in own or any(param.name in names for names in named):
                continue
            missing.setdefault(param.name, dep_fn)
        if not missing:
            return
        name, dep_fn = next(iter(missing.items()))
        template = templates[0]
        method = route.method.upper() if route.method not in ("add_api_route", "api_route") else "route"
        project = self.project
        project.report(
            self.rule_id,
            summary.path,
            route.span,
            f"dependency `{dep_fn.name}` reads `{name}`, but `{method} {template}` has no `{{{name}}}`, so "
            f"FastAPI makes it a required query parameter; name the path variable `{{{name}}}`",
        )

    def _dependency_params(self, route_fn: Function):
        project = self.project
        seen: set[str] = set()
        stack: list[tuple[Function, int]] = []

        def push(name: str | None, depth: int) -> None:
            found = project.function(name) if name else None
            if found is not None and found[0].qualname not in seen and depth < 8:
                seen.add(found[0].qualname)
                stack.append((found[0], depth))

        for param in route_fn.params:
            push(project.param_dependency(param), 1)
        for dep in route_fn.dependencies:
            push(dep, 1)
        while stack:
            dep_fn, depth = stack.pop()
            for dep in dep_fn.dependencies:
                push(dep, depth + 1)
            for i, param in enumerate(dep_fn.params):
                dependency = project.param_dependency(param)
                if dependency:
                    push(dependency, depth + 1)
                elif (
                    (dep_fn.in_class is None or i > 0)
                    and _entity_param(param)
                    and (dep_fn.qualname, i) not in self.explicit
                ):
                    yield dep_fn, param
