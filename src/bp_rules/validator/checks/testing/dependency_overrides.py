"""`testing-dependency-overrides`: tests replace the app's dependencies through `app.dependency_overrides`,
not by patching them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

import libcst as cst

from bp_rules.validator.analysis.testing import (
    Target,
    app_roots,
    fact_dicts,
    goes_through_app,
    name_of,
    record_patches,
    span_of_fact,
)
from bp_rules.validator.context import FileContext
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register
from bp_rules.validator.summary import Function


def _dependency_functions(project: Project) -> Iterator[Function]:
    """Dependencies (B2) and the functions of dependencies modules."""
    for fn, summary in project.functions.values():
        if project.is_dependency(fn) or (
            project.config.role_of(PurePosixPath(summary.path).name) == "dependencies" and not fn.in_class
        ):
            yield fn


def _provided(project: Project, roots: set[str]) -> dict[str, str]:
    """The app's classes a dependency constructs (the clients it provides) -> the dependency's name."""
    out: dict[str, str] = {}
    for fn in _dependency_functions(project):
        for call in fn.calls:
            if call.nested or not call.name or call.name.endswith("()") or "()." in call.name:
                continue
            name = project.canonical(call.name)
            if _is_exception(project, name):
                continue  # raised, not provided
            if name in project.classes or (name.split(".", 1)[0] in roots and name_of(name)[:1].isupper()):
                out.setdefault(name, fn.name)
    return out


def _is_exception(project: Project, name: str, depth: int = 0) -> bool:
    if name_of(name).endswith(("Error", "Exception")) or name in ("builtins.Exception", "builtins.BaseException"):
        return True
    found = project.classes.get(project.canonical(name))
    return found is not None and depth < 6 and any(_is_exception(project, b, depth + 1) for b in found[0].bases)


@register
class DependencyOverridesFacts(FileCheck):
    rule_id = "testing-dependency-overrides"
    node_types = (cst.Call,)

    def check(self, ctx: FileContext) -> None:
        record_patches(ctx, self.rule_id)


@register
class DependencyOverrides(ProjectCheck):
    rule_id = "testing-dependency-overrides"

    def check(self, project: Project) -> None:
        provided: dict[str, str] | None = None
        roots = app_roots(project)
        for path, summary in sorted(project.summaries.items()):
            for fact in fact_dicts(summary, self.rule_id):
                target_name = fact["target"]
                if target_name.split(".", 1)[0] not in roots or not goes_through_app(summary, fact["scope"]):
                    continue
                if provided is None:
                    provided = _provided(project, roots)
                message = self._finding(project, Target(project, target_name, roots), provided)
                if message:
                    project.report(self.rule_id, path, span_of_fact(fact), message)

    @staticmethod
    def _finding(project: Project, target: Target, provided: dict[str, str]) -> str | None:
        patched = f"`{target.target}`"
        fn = target.function()
        if fn is not None and project.is_dependency(fn):
            return (
                f"patching {patched} misses the routes that already hold dependency `{fn.name}`; override it with "
                f"`app.dependency_overrides[{fn.name}] = fake` in a fixture that clears it"
            )
        via = target.via("dependencies")
        if via is not None and via[1] and not target.allowed(via[1]):
            if len(via[1]) == 1:
                name = via[1][0]
                return (
                    f"patching {patched} swaps `{name}` of `{via[0]}` behind FastAPI's back; override the dependency "
                    f"with `app.dependency_overrides[{name}] = fake` in a fixture that clears it"
                )
            return (
                f"patching {patched} reaches into what `{via[0]}` calls instead of replacing the dependency; "
                "override the dependency with `app.dependency_overrides[dep] = fake` in a fixture that clears it"
            )
        for cls, dependency in provided.items():
            if target.final == cls or target.final.startswith(cls + "."):
                return (
                    f"patching {patched} stubs what dependency `{dependency}` provides; override the dependency "
                    f"with `app.dependency_overrides[{dependency}] = fake` instead"
                )
        return None
