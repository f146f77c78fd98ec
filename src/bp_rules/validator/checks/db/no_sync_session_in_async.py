"""`db-no-sync-session-in-async`: inside `async def`, queries go through an awaited `AsyncSession`, never a sync
`Session`."""

from __future__ import annotations

from bp_rules.validator.analysis.blocking import BlockingIndex
from bp_rules.validator.analysis.sessions import sync_session_method
from bp_rules.validator.project import Project
from bp_rules.validator.registry import ProjectCheck, register


@register
class NoSyncSessionInAsync(ProjectCheck):
    rule_id = "db-no-sync-session-in-async"

    def check(self, project: Project) -> None:
        index = project.shared(BlockingIndex)
        for fn, summary in project.reported_functions():
            if not fn.is_async:
                continue
            for call in fn.calls:
                if call.awaited or call.nested:
                    continue
                method = sync_session_method(index, project.call_name(fn, call))
                if method is None:
                    continue
                kind = "route" if project.is_route(fn) else "dependency" if project.is_dependency(fn) else "function"
                project.report(
                    self.rule_id,
                    summary.path,
                    call.span,
                    f"`{method}()` on a sync SQLAlchemy `Session` inside async {kind} `{fn.name}` blocks the event "
                    "loop until the database answers; use an `AsyncSession` and `await` it, or "
                    "`await session.run_sync(fn)`",
                )
