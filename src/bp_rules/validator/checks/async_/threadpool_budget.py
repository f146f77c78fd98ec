"""`async-threadpool-budget`: a route that does no blocking work is `async def`, not a `def` holding a
threadpool thread."""

from __future__ import annotations

from bp_rules.validator.analysis.blocking import BlockingIndex, surely_non_blocking
from bp_rules.validator.analysis.websockets import is_websocket, websocket_endpoints
from bp_rules.validator.project import Project
from bp_rules.validator.registry import ProjectCheck, register
from bp_rules.validator.summary import Function


@register
class ThreadpoolBudget(ProjectCheck):
    rule_id = "async-threadpool-budget"

    def check(self, project: Project) -> None:
        index = project.shared(BlockingIndex)
        websockets = websocket_endpoints(project)
        for fn, summary in project.reported_functions():
            # sync dependencies are `deps-prefer-async`'s; here: sync routes
            if fn.is_async or fn.yields or fn.nested or not project.is_route(fn) or is_websocket(fn, websockets):
                continue
            if len(fn.decorators) > len(fn.routes):
                continue  # another decorator may need a sync function, or block itself
            if not surely_non_blocking(fn, project, index):
                continue
            if self._sync_resources(project, index, fn):
                continue
            project.report(
                self.rule_id,
                summary.path,
                fn.span,
                f"route `{fn.name}` is a plain `def` but does no blocking work, so each request holds one of "
                "the threadpool's 40 threads for nothing; make it `async def`",
            )

    @staticmethod
    def _sync_resources(project: Project, index: BlockingIndex, fn: Function) -> bool:
        """Objects from a blocking sync dependency (ORM rows of a sync session) may lazy-load while FastAPI
        validates the response, which it does in the threadpool for a `def` route: keep such routes sync. The
        instance of a class-based view is such an object too: FastAPI builds it from dependencies, and its
        properties may load lazily."""
        if fn.in_class and "staticmethod" not in fn.decorators:
            return True
        for param in fn.params:
            dep = project.param_dependency(param)
            found = project.function(dep) if dep else None
            if found is None:
                continue
            dep_fn = found[0]
            if not dep_fn.is_async and (dep_fn.yields or not surely_non_blocking(dep_fn, project, index)):
                return True
        return False
