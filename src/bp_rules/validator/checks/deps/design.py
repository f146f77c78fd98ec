"""Dependency design: validation that belongs in a dependency, repeated `Annotated` dependency types
(catalog 6.4, rules 41 and 46)."""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict

import libcst as cst

from bp_rules.validator.analysis import phase_facts as F
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import dotted
from bp_rules.validator.names import ANNOTATED, DEPENDS, last
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register

NOT_FOUND = re.compile(r"NotFound|DoesNotExist|NotExist|NoSuch|Missing")


@register
class ValidateInDependencies(FileCheck):
    rule_id = "deps-validate-in-dependencies"
    node_types = (cst.IndentedBlock,)

    def check(self, ctx: FileContext) -> None:
        found = []
        templates: dict[str, set[str]] = {}
        for block, scope in ctx.nodes(cst.IndentedBlock):
            if scope is None or not ctx.is_route(scope.info):
                continue
            fn = scope.info
            if fn.qualname not in templates:
                names = {p for t in F.route_templates(ctx, fn) for p in F.path_params(t)}
                templates[fn.qualname] = names & {p.name for p in fn.params}
            params = templates[fn.qualname]
            if not params:
                continue
            body = list(block.body)
            for stmt, following in itertools.pairwise(body):
                lookup = self._lookup(stmt, params)
                if lookup is None:
                    continue
                variable, call, param = lookup
                raised = self._raises_when_missing(ctx, scope, following, variable)
                if raised is not None:
                    name = f"valid_{variable}_id" if param == "id" else f"valid_{param}"
                    found.append((fn, call, param, raised, F.code(call.func), name))
        repeats = Counter((callee, param) for _, _, param, _, callee, _ in found)
        for fn, call, param, raised, callee, dependency in found:
            n = repeats[(callee, param)]
            again = f"; the same check is repeated in {n} routes" if n > 1 else ""
            ctx.report(
                self.rule_id,
                call,
                f"route `{fn.name}` loads by `{param}` with `{callee}(...)` and raises `{raised}` when nothing is "
                f"found{again}; move this into a dependency (`{dependency}`) that returns the object",
            )

    @staticmethod
    def _lookup(stmt: cst.CSTNode, params: set[str]) -> tuple[str, cst.Call, str] | None:
        """`x = [await] f(..., <path param>, ...)`: the variable, the call and the path parameter."""
        if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
            return None
        small = stmt.body[0]
        if isinstance(small, cst.Assign) and len(small.targets) == 1:
            target, value = small.targets[0].target, small.value
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            target, value = small.target, small.value
        else:
            return None
        value = F.unwrap_await(value)
        if not isinstance(target, cst.Name) or not isinstance(value, cst.Call):
            return None
        used = [a.value.value for a in value.args if isinstance(a.value, cst.Name) and a.value.value in params]
        # `get_comment(db, post_id, comment_id)` loads a comment: the last path parameter names the entity
        return (target.value, value, used[-1]) if used else None

    @staticmethod
    def _raises_when_missing(ctx: FileContext, scope, stmt: cst.CSTNode, variable: str) -> str | None:
        """`if not x: raise NotFound()` / `if x is None: raise HTTPException(404)`: the exception raised."""
        if not isinstance(stmt, cst.If):
            return None
        test = stmt.test
        missing = (
            isinstance(test, cst.UnaryOperation)
            and isinstance(test.operator, cst.Not)
            and isinstance(test.expression, cst.Name)
            and test.expression.value == variable
        ) or (
            isinstance(test, cst.Comparison)
            and isinstance(test.left, cst.Name)
            and test.left.value == variable
            and len(test.comparisons) == 1
            and isinstance(test.comparisons[0].operator, cst.Is)
            and isinstance(test.comparisons[0].comparator, cst.Name)
            and test.comparisons[0].comparator.value == "None"
        )
        if not missing:
            return None
        body = list(F.small_statements(F.statements(stmt.body)))
        if len(body) != 1 or not isinstance(body[0], cst.Raise) or body[0].exc is None:
            return None
        exc = body[0].exc
        func = exc.func if isinstance(exc, cst.Call) else exc
        name = ctx.qualify(func, scope) or dotted(func) or ""
        if name in F.HTTP_EXCEPTIONS:
            status = F.first_arg(exc, "status_code") if isinstance(exc, cst.Call) else None
            return "HTTPException(404)" if status is not None and "404" in F.code(status.value) else None
        return last(name) if name and NOT_FOUND.search(last(name)) else None


# --- 46 -----------------------------------------------------------------------------------------------------

THRESHOLD = 3


@register
class AnnotatedAliasFacts(FileCheck):
    """Phase 1 of `deps-annotated-alias`: each inline `Annotated[T, Depends(f)]` parameter, as written."""

    rule_id = "deps-annotated-alias"

    def check(self, ctx: FileContext) -> None:
        for fn in ctx.summary.functions:
            candidates = [i for i, p in enumerate(fn.params) if p.depends and not p.depends_in_default and not p.alias]
            if not candidates:
                continue
            node = ctx.function_node(fn)
            params = [*node.params.posonly_params, *node.params.params, *node.params.kwonly_params]
            for i in candidates:
                if i >= len(params) or params[i].annotation is None:
                    continue
                annotation = params[i].annotation.annotation
                if not isinstance(annotation, cst.Subscript) or ctx.qualify(annotation.value) not in ANNOTATED:
                    continue
                if not any(
                    isinstance(el.slice, cst.Index)
                    and isinstance(el.slice.value, cst.Call)
                    and ctx.qualify(el.slice.value.func) in DEPENDS
                    for el in annotation.slice[1:]
                ):
                    continue
                text = re.sub(r"\s+", "", F.code(annotation))
                text = re.sub(r",([\]\)])", r"\1", text)  # a trailing comma is the same expression
                F.record(ctx, self.rule_id, fn.qualname, i, text)


@register
class AnnotatedAlias(ProjectCheck):
    rule_id = "deps-annotated-alias"

    def check(self, project: Project) -> None:
        groups: dict[tuple[str, str], list] = defaultdict(list)
        for summary in project.summaries.values():
            functions = F.functions_by_name(summary)
            for qualname, i, text in F.read(summary, self.rule_id):
                fn = functions.get(qualname)
                if fn is None or i >= len(fn.params):
                    continue
                param = fn.params[i]
                groups[(project.canonical(param.depends or ""), text)].append((summary, fn, param))
        for (dependency, text), uses in groups.items():
            if len(uses) < THRESHOLD:
                continue
            shown = text.replace(",", ", ")
            alias = "".join(w.capitalize() for w in last(dependency).split("_") if w not in ("get", "valid"))
            for summary, fn, param in uses:
                project.report(
                    self.rule_id,
                    summary.path,
                    param.span,
                    f"`{shown}` is written out in {len(uses)} signatures (here `{param.name}` of `{fn.name}`); "
                    f"define it once, e.g. `{alias or 'Dependency'}Dep = {shown}` in dependencies.py, and use that",
                )
