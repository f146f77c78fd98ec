"""`async-sync-def-for-blocking-route`: a route that awaits nothing and only blocks is a `def`, run in the
threadpool."""

from __future__ import annotations

from bp_rules.validator.analysis.blocking import BlockingIndex, first_blocking
from bp_rules.validator.analysis.websockets import is_websocket, websocket_endpoints
from bp_rules.validator.names import THREAD_OFFLOAD
from bp_rules.validator.project import Project
from bp_rules.validator.registry import ProjectCheck, register
from bp_rules.validator.summary import Function

# calls that need a running event loop or schedule work on it: such a function must stay `async def`
LOOP_BOUND = ("asyncio.", "anyio.", "trio.")


@register
class SyncDefForBlockingRoute(ProjectCheck):
    rule_id = "async-sync-def-for-blocking-route"

    def check(self, project: Project) -> None:
        index = project.shared(BlockingIndex)
        websockets = websocket_endpoints(project)
        for fn, summary in project.reported_functions():
            if not fn.is_async or fn.awaits or fn.yields or not project.is_route(fn):
                continue
            if is_websocket(fn, websockets) or self._needs_loop(project, fn):
                continue
            found = first_blocking(index, fn)
            if found is None:
                continue
            project.report(
                self.rule_id,
                summary.path,
                fn.span,
                f"async route `{fn.name}` awaits nothing and blocks the event loop on {found[1]}; drop `async` "
                "so that FastAPI runs it in the threadpool",
            )

    @staticmethod
    def _needs_loop(project: Project, fn: Function) -> bool:
        for call in fn.calls:
            if call.name.startswith(LOOP_BOUND) or call.name in THREAD_OFFLOAD:
                return True
            found = project.function(call.name)
            if found is not None and found[0].is_async:
                return True  # it builds a coroutine: something must await it
        return False
