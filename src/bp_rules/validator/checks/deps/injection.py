"""Dependency checks: Annotated declarations, direct calls of dependencies, sync dependencies."""

from __future__ import annotations

import libcst as cst

from bp_rules.validator.analysis.blocking import BlockingIndex, surely_non_blocking
from bp_rules.validator.analysis.handlers import reraises
from bp_rules.validator.context import FileContext
from bp_rules.validator.names import DEPENDS, FASTAPI_PARAM_FUNCTIONS, last
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register


@register
class DepsAnnotated(FileCheck):
    rule_id = "deps-annotated"

    def check(self, ctx: FileContext) -> None:
        for fn in ctx.summary.functions:
            for param in fn.params:
                call = param.default_call
                if call in DEPENDS or call in FASTAPI_PARAM_FUNCTIONS:
                    marker = last(call)
                    target = f"{last(param.depends)}" if param.depends else "..."
                    inner = target if marker in ("Depends", "Security") else ""
                    ctx.report_at(
                        self.rule_id,
                        param,
                        f"`{param.name}` in `{fn.name}` declares `{marker}({inner})` as its default; "
                        f"use `{param.name}: Annotated[T, {marker}({inner})]`",
                    )


@register
class DepsNoDirectCallsFacts(FileCheck):
    """Phase 1: calls that injection could not replace. A call inside a `try` whose handler swallows the error
    (a soft-fail wrapper turning a 401 into `None`), and a call given a value that is not one of the caller's
    own parameters (a token from OAuth state, a key read from a websocket): `Depends()` can do neither."""

    rule_id = "deps-no-direct-calls"
    node_types = (cst.Call, cst.Try)

    def check(self, ctx: FileContext) -> None:
        spans = []
        for node, scope in ctx.nodes(cst.Try):
            if scope is not None and any(not reraises(h) for h in node.handlers):
                spans += [ctx.fact_span(call) for call in _calls_in(node.body)]
        for node, scope in ctx.nodes(cst.Call):
            if scope is not None and node.args and not all(_passes_through(arg, scope) for arg in node.args):
                spans.append(ctx.fact_span(node))
        if spans:
            ctx.summary.facts[self.rule_id] = spans


def _passes_through(arg: cst.Arg, scope) -> bool:
    """An argument that hands on one of the calling function's own (injected) parameters."""
    value = arg.value
    return isinstance(value, cst.Name) and value.value in {p.name for p in scope.info.params}


def _calls_in(node: cst.CSTNode):
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Call):
            yield current
        if not isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            stack.extend(current.children)


@register
class DepsNoDirectCalls(ProjectCheck):
    rule_id = "deps-no-direct-calls"

    def check(self, project: Project) -> None:
        for fn, summary in project.reported_functions():
            if not project.is_injected(fn):
                continue
            kind = "route" if project.is_route(fn) else "dependency"
            not_injectable = {tuple(span) for span in summary.facts.get(self.rule_id, ())}
            for call in fn.calls:
                if call.nested or tuple(call.span) in not_injectable:
                    continue
                found = project.function(call.name)
                if found is None or not project.is_dependency(found[0]) or found[0] is fn:
                    continue
                dep = found[0].name
                project.report(
                    self.rule_id,
                    summary.path,
                    call.span,
                    f"{kind} `{fn.name}` calls dependency `{dep}` directly, bypassing injection and its "
                    f"per-request cache; take it as a parameter, `Annotated[T, Depends({dep})]`",
                )


@register
class DepsPreferAsync(ProjectCheck):
    rule_id = "deps-prefer-async"

    def check(self, project: Project) -> None:
        index = project.shared(BlockingIndex)
        for fn, summary in project.reported_functions():
            if fn.is_async or fn.yields or fn.in_class or fn.nested or not project.is_dependency(fn):
                continue
            if not surely_non_blocking(fn, project, index):
                continue
            project.report(
                self.rule_id,
                summary.path,
                fn.span,
                f"dependency `{fn.name}` is sync but does no blocking I/O, so FastAPI sends it to the "
                "threadpool for nothing; make it `async def`",
            )
