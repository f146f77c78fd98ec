"""`structure-by-domain`: each domain has its own package under `src/`, not `routers/`, `schemas/` or `crud/`
folders."""

from __future__ import annotations

from pathlib import PurePosixPath

from bp_rules.validator.analysis.layout import LINE_ONE, Layout, role_file
from bp_rules.validator.project import Project
from bp_rules.validator.registry import ProjectCheck, register

FOLDER_ROLE = {
    "routers": "router", "routes": "router", "endpoints": "router", "api": "router", "apis": "router",
    "views": "router", "controllers": "router", "schemas": "schemas", "models": "models", "crud": "service",
    "cruds": "service", "repositories": "service", "repository": "service", "repos": "service",
    "services": "service",
}  # fmt: skip


@register
class ByDomain(ProjectCheck):
    rule_id = "structure-by-domain"

    def check(self, project: Project) -> None:
        layout = Layout.of(project)
        for folder, why in sorted(layout.flagged_folders.items()):
            modules = layout.type_folders[folder]
            first = modules[0]
            place = layout.place(first)
            name = folder.rsplit("/", 1)[-1]
            target = role_file(project, FOLDER_ROLE.get(name, "router"))
            example = f"`{place.root}/{PurePosixPath(first).stem}/{target}`"
            listed = ", ".join(PurePosixPath(m).name for m in modules[:3]) + (", ..." if len(modules) > 3 else "")
            if why == "routers":
                message = (
                    f"`{folder}/` holds the routers of domain packages ({listed}); move each into its domain "
                    f"package, e.g. {example}"
                )
            else:
                message = (
                    f"`{folder}/` groups code by file type, one module per entity ({listed}); give each entity "
                    f"its own domain package, e.g. {example}"
                )
            project.report(self.rule_id, first, LINE_ONE, message)
