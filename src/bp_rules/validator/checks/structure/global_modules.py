"""`structure-global-modules`: the engine and session factory are created only in `src/database.py`, middleware
and routers are wired onto the app only in `src/main.py`."""

from __future__ import annotations

from pathlib import PurePosixPath

from bp_rules.validator import names as N
from bp_rules.validator.analysis.layout import FASTAPI_APP, LINE_ONE, Layout, Place, role_file
from bp_rules.validator.analysis.summaries import all_calls
from bp_rules.validator.project import Project
from bp_rules.validator.registry import ProjectCheck, register
from bp_rules.validator.summary import FileSummary

ENGINE_CALLS = frozenset(
    {
        "sqlalchemy.create_engine", "sqlalchemy.engine.create_engine", "sqlalchemy.ext.asyncio.create_async_engine",
        "sqlalchemy.ext.asyncio.engine.create_async_engine", "sqlalchemy.orm.sessionmaker",
        "sqlalchemy.orm.session.sessionmaker", "sqlalchemy.ext.asyncio.async_sessionmaker",
        "sqlalchemy.ext.asyncio.session.async_sessionmaker", "sqlmodel.create_engine",
    }
)  # fmt: skip
WIRING = frozenset({"add_middleware", "include_router", "mount"})


@register
class GlobalModules(ProjectCheck):
    rule_id = "structure-global-modules"

    def check(self, project: Project) -> None:
        layout = Layout.of(project)
        if not layout.by_domain:
            return
        for place, summary in layout.reported():
            if place.role != "database" and layout.domain(place) is not None:
                self._engines(project, place, summary)
            if place.role != "main":
                self._wiring(project, place, summary)
        self._global_files(project, layout)

    def _engines(self, project: Project, place: Place, summary: FileSummary) -> None:
        database = Layout.of(project).home(place, "database")
        lines: set[int] = set()
        for call in all_calls(summary):
            if call.name in ENGINE_CALLS and call.span[0] not in lines:
                lines.add(call.span[0])
                what = N.last(call.name)
                kind = "a session factory" if "session" in what else "an engine"
                project.report(
                    self.rule_id,
                    place.path,
                    call.span,
                    f"`{what}(...)` creates {kind} in `{place.path}`; create the engine and session factory once, "
                    f"in `{database}`, and import them",
                )

    def _wiring(self, project: Project, place: Place, summary: FileSummary) -> None:
        for call in all_calls(summary):
            if call.receiver or "." not in call.name:
                continue
            receiver, _, method = call.name.rpartition(".")
            if method not in WIRING:
                continue
            module, _, var = receiver.rpartition(".")
            if not module or module == summary.module or "(" in receiver:
                continue
            other = project.module_of.get(module)
            if other is not None:
                if other.assigned_calls.get(var) not in FASTAPI_APP:
                    continue
            elif N.last(module) != "main" or not N.looks_like_router(var):
                continue
            main = f"{place.root}/main.py"
            project.report(
                self.rule_id,
                place.path,
                call.span,
                f"`{var}.{method}(...)` wires the app imported from `{module}` in `{place.path}`; do all "
                f"`add_middleware`/`include_router` wiring of the app in `{main}`",
            )

    def _global_files(self, project: Project, layout: Layout) -> None:
        if not layout.manifest_at_root():
            return
        for root in layout.roots:
            main = layout.root_main(root)
            if main is None or len(layout.domains.get(root, ())) < 2:
                continue
            present = {PurePosixPath(p).name for p in project.summaries if PurePosixPath(p).parent.as_posix() == root}
            packages = {layout.place(p).domain for p in project.summaries if layout.place(p).root == root}
            missing = []
            for role in ("config", "exceptions"):
                names = project.config.role_files.get(role, ())
                if not any(n in present for n in names) and not any(n.removesuffix(".py") in packages for n in names):
                    missing.append(f"`{root}/{role_file(project, role)}`")
            if missing:
                project.report(
                    self.rule_id,
                    main,
                    LINE_ONE,
                    f"the app has {len(layout.domains[root])} domains but no {' or '.join(missing)}; add "
                    f"{'them' if len(missing) > 1 else 'it'} for app-wide settings and base exceptions",
                )
