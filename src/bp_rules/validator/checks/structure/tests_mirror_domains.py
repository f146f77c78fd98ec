"""`structure-tests-mirror-domains`: every domain that exposes routes has its own test package, `tests/<domain>/`."""

from __future__ import annotations

from pathlib import PurePosixPath

from bp_rules.validator.analysis.layout import LINE_ONE, Layout, is_test_path
from bp_rules.validator.project import Project
from bp_rules.validator.registry import ProjectCheck, register


@register
class TestsMirrorDomains(ProjectCheck):
    rule_id = "structure-tests-mirror-domains"

    def check(self, project: Project) -> None:
        layout = Layout.of(project)
        if not layout.by_domain:
            return
        tests = [p for p in project.summaries if is_test_path(p) and {"tests", "test"} & set(PurePosixPath(p).parts)]
        if not tests:
            return
        folders: set[str] = set()
        modules: list[tuple[tuple[str, ...], str]] = []
        for path in tests:
            parts = PurePosixPath(path).parts
            folders.update(parts[:-1])
            modules.append((parts[:-1], PurePosixPath(path).stem))
        routers: dict[tuple[str, str], str] = {}
        for place, _summary in layout.checked():
            if (
                place.domain
                and place.parts[:-1] == layout.domain_parts(place.domain)
                and project.config.role_of(place.parts[-1]) == "router"
            ):
                key = (place.root, layout.label(place.domain))
                routers[key] = min(routers.get(key, place.path), place.path)
        # what test modules import (not factories or conftest, which set up data for every domain's tests)
        imported = {
            project.canonical(imp.module)
            for path in tests
            if PurePosixPath(path).stem.startswith("test_") or PurePosixPath(path).stem.endswith("_test")
            for imp in project.summaries[path].imports
        }
        for (_root, domain), router in sorted(routers.items()):
            names = {domain, domain.rstrip("s"), domain + "s"}
            if names & folders or any(_tests_domain(folder, stem, names) for folder, stem in modules):
                continue
            package = project.summaries[router].module.rpartition(".")[0] if router in project.summaries else ""
            if package and any(m == package or m.startswith(package + ".") for m in imported):
                continue  # `tests/individual_contact/` importing `src.individual` tests that domain
            project.report(
                self.rule_id,
                router,
                LINE_ONE,
                f"domain `{domain}` has routes (`{router}`) but no tests of its own; add `tests/{domain}/` "
                f"(e.g. `tests/{domain}/test_router.py`)",
            )


def _tests_domain(folder: tuple[str, ...], stem: str, names: set[str]) -> bool:
    """`tests/test_posts_api.py` tests `posts`; `tests/incident_type/test_incident_type_service.py` does not
    test `incident` (it sits in another domain's folder)."""
    for name in names:
        prefix = f"test_{name}"
        if stem == prefix or stem.startswith(prefix + "_"):
            return not any(f.startswith(name + "_") for f in folder)
    return False
