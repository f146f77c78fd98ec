"""Blocking I/O on the event loop (`async-no-blocking-io-in-async-route`), direct and through sync helpers."""

from __future__ import annotations

from bp_rules.validator.analysis.blocking import BlockingIndex, display
from bp_rules.validator.analysis.sessions import sync_session_method
from bp_rules.validator.context import placement
from bp_rules.validator.project import Project
from bp_rules.validator.reachability import Reachability
from bp_rules.validator.registry import ProjectCheck, register


@register
class BlockingIOInAsync(ProjectCheck):
    rule_id = "async-no-blocking-io-in-async-route"

    def check(self, project: Project) -> None:
        index = project.shared(BlockingIndex)
        reach = project.shared(Reachability)
        # a sync Session call is reported by the rule that says precisely what to do about it
        defer_sessions = "db-no-sync-session-in-async" in project.selected
        for fn, summary in project.reported_functions():
            if not fn.is_async or not reach.served(fn) or placement(summary.path, project.config).in_tests:
                continue  # a coroutine only a command-line entry point (or a test) runs holds up no request
            kind = reach.kind(fn)
            how = reach.path(fn)
            via = f" (reached as {' -> '.join(how)})" if len(how) > 1 else ""
            for call in fn.calls:
                if call.awaited or call.nested:
                    continue
                blocked = index.blocking(call, fn)
                called = project.call_name(fn, call)
                if blocked and defer_sessions and sync_session_method(index, called):
                    continue
                if blocked:
                    project.report(
                        self.rule_id,
                        summary.path,
                        call.span,
                        f"`{display(blocked)}` blocks the event loop in async {kind} `{fn.name}`{via}; "
                        "make it `def`, use an async client, or `await run_in_threadpool(fn, ...)`",
                    )
                    continue
                callee = index.callee(call, fn)
                if callee is None or callee.is_async:
                    continue
                chain = index.chain(callee)
                if chain:
                    path = " -> ".join([*(how if len(how) > 1 else [fn.name]), *chain])
                    project.report(
                        self.rule_id,
                        summary.path,
                        call.span,
                        f"async {kind} `{fn.name}` calls sync `{callee.name}`, which blocks the event loop "
                        f"({path}); use an async client or `await run_in_threadpool({callee.name}, ...)`",
                    )
