"""`structure-deps-in-dependencies`: functions used with `Depends(...)` are defined in
`src/<domain>/dependencies.py`."""

from __future__ import annotations

from bp_rules.validator.analysis.layout import Layout, report_per_file, subject
from bp_rules.validator.analysis.misplaced import placed, pronoun, role_home
from bp_rules.validator.project import Project
from bp_rules.validator.registry import ProjectCheck, register


@register
class DepsInDependencies(ProjectCheck):
    rule_id = "structure-deps-in-dependencies"

    def check(self, project: Project) -> None:
        items = []
        layout = Layout.of(project)
        for place, summary in placed(project):
            # global modules (`src/database.py`'s `get_db`, a `redis.py` with `get_redis`) provide app-wide
            # resources; the rule is about a domain's request dependencies
            if place.role in ("dependencies", "database") or layout.domain(place) is None:
                continue
            for fn in summary.functions:
                if fn.nested or fn.in_class or not project.is_dependency(fn):
                    continue
                items.append((place.path, fn.span, fn.name))

        def message(path: str, labels: list[str]) -> str:
            place = Layout.of(project).place(path)
            return (
                f"{subject(labels, 'dependency', 'dependencies')} defined in `{path}`; move {pronoun(labels)} to "
                f"{role_home(place, project, 'dependencies')}, where routers and tests look for request dependencies"
            )

        report_per_file(project, self.rule_id, items, message)
