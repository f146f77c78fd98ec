"""`structure-src-root`: every domain package is under `src/`, and the `FastAPI()` app is created only in
`src/main.py`."""

from __future__ import annotations

import libcst as cst

from bp_rules.validator.analysis.layout import FASTAPI_APP, Layout
from bp_rules.validator.analysis.summaries import all_calls
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import keyword_arg, positional
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register
from bp_rules.validator.summary import FileSummary, Function

FACTORY_NAMES = frozenset(
    {"create_app", "get_application", "get_app", "make_app", "build_app", "create_application", "app_factory"}
)


@register
class SrcRootMounts(FileCheck):
    """Records the apps mounted on another app (`app.mount("/admin", admin_app)`): sub-applications."""

    rule_id = "structure-src-root"
    node_types = (cst.Call,)

    def check(self, ctx: FileContext) -> None:
        for node, scope in ctx.nodes(cst.Call):
            func = node.func
            if not isinstance(func, cst.Attribute) or func.attr.value not in ("mount", "host"):
                continue
            arg = keyword_arg(node, "app") or positional(node, 1)
            if arg is not None:
                name = ctx.qualify(arg.value, scope)
                if name:
                    ctx.summary.facts.setdefault(self.rule_id, []).append(["mount", name])


@register
class SrcRoot(ProjectCheck):
    rule_id = "structure-src-root"

    def check(self, project: Project) -> None:
        layout = Layout.of(project)
        mounted = {
            project.canonical(fact[1])
            for summary in project.summaries.values()
            for fact in summary.facts.get(self.rule_id, [])
            if fact and fact[0] == "mount"
        }
        called_from_main: set[str] = set()
        for root in layout.roots:
            main = layout.root_main(root)
            if main is not None:
                summary = project.summaries[main]
                for call in all_calls(summary):
                    called_from_main.add(project.canonical(call.name))
        configured = ", ".join(f"`{r}/`" for r in project.config.source_roots)
        for path, summary in sorted(project.summaries.items()):
            place = layout.place(path)
            if place.in_tests or place.in_migrations or place.is_root_main:
                continue
            # outside the source root: only when the project has none (a script beside `src/` is no app)
            if place.root is None and (layout.roots or not layout.manifest_at_root()):
                continue
            for fn, call in _app_calls(summary):
                if self._mounted(project, summary, fn, mounted):
                    continue
                if place.root is not None:
                    if fn is not None and (fn.name in FACTORY_NAMES or fn.qualname in called_from_main):
                        continue
                    main = f"{place.root}/main.py"
                    where = "beside" if main in project.summaries else "outside"
                    message = (
                        f"`FastAPI()` is created in `{path}`, a second application {where} `{main}`; create the "
                        f"app once in `{main}` (or a factory it calls) and include this module's router there"
                    )
                else:
                    message = (
                        f"`FastAPI()` is created in `{path}`, outside the source root ({configured}); move the "
                        "application package under `src/` and create the app in `src/main.py` (or set "
                        "`source-roots` in `[tool.bp-rules]`)"
                    )
                project.report(self.rule_id, path, call.span, message)

    @staticmethod
    def _mounted(project: Project, summary: FileSummary, fn: Function | None, mounted: set[str]) -> bool:
        if fn is not None or not mounted:
            return False
        apps = [var for var, callee in summary.assigned_calls.items() if callee in FASTAPI_APP]
        return bool(apps) and all(f"{summary.module}.{var}" in mounted for var in apps)


def _app_calls(summary: FileSummary):
    for call in summary.module_calls:
        if call.name in FASTAPI_APP:
            yield None, call
    for fn in summary.functions:
        for call in fn.calls:
            if call.name in FASTAPI_APP and not call.nested:
                yield fn, call
