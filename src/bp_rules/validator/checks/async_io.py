"""Blocking I/O on the event loop (`async-no-blocking-io-in-async-route`), direct and through sync helpers."""

from __future__ import annotations

from bp_rules.validator.context import placement
from bp_rules.validator.names import BLOCKING_CALLS, matches
from bp_rules.validator.project import Project
from bp_rules.validator.reachability import Reachability
from bp_rules.validator.registry import ProjectCheck, register
from bp_rules.validator.summary import Call, Function

MAX_DEPTH = 4


def display(name: str) -> str:
    return name.replace("builtins.", "")


class BlockingIndex:
    """Which functions block, and through which chain; shared by the checks that need to know."""

    def __init__(self, project: Project):
        self.project = project
        self.patterns = frozenset(BLOCKING_CALLS) | frozenset(project.config.blocking_calls)
        self._chains: dict[str, list[str] | None] = {}

    def expand(self, name: str) -> str:
        """Follow a module-level `X = factory(...)` or an Annotated alias to what the name really is."""
        if not name:
            return name
        head, sep, rest = name.partition("()")
        alias = self.project.alias(head)
        if alias is not None and alias.annotation:
            return f"{alias.annotation}{sep}{rest}" if sep else alias.annotation
        module, _, var = head.rpartition(".")
        summary = self.project.module_of.get(module)
        if summary is not None and var in summary.assigned_calls and summary.assigned_calls[var]:
            return f"{summary.assigned_calls[var]}(){sep}{rest}"
        # a parameter typed with an alias: `db: DbSession` gives `src.deps.DbSession.execute`
        prefix, _, method = name.rpartition(".")
        alias = self.project.alias(prefix)
        if alias is not None and alias.annotation:
            return f"{alias.annotation}.{method}"
        return name

    def blocking(self, call: Call, fn: Function | None = None) -> str | None:
        called = self.project.call_name(fn, call) if fn is not None else call.name
        name = self.expand(called)
        return name if matches(name, self.patterns) or matches(called, self.patterns) else None

    def callee(self, call: Call, fn: Function | None = None) -> Function | None:
        found = self.project.function(self.project.call_name(fn, call) if fn is not None else call.name)
        return found[0] if found else None

    def chain(self, fn: Function) -> list[str] | None:
        """For a sync function: the shortest call chain to a blocking call, e.g. [load_rates, requests.get]; of
        several equally short ones, the first in call order. The answer depends on `fn` alone, never on what
        was asked before, so a run that visits fewer functions reports the same chains."""
        if fn.qualname not in self._chains:
            self._chains[fn.qualname] = self._shortest_chain(fn)
        return self._chains[fn.qualname]

    def _shortest_chain(self, fn: Function) -> list[str] | None:
        if fn.memoized:
            return None  # a cached one-time initialisation blocks once, on the first call, not per request
        level: list[tuple[Function, list[str]]] = [(fn, [fn.name])]
        seen = {fn.qualname}
        for _ in range(MAX_DEPTH + 1):  # breadth first: every function n calls away before any n + 1 away
            following: list[tuple[Function, list[str]]] = []
            for current, names in level:
                for call in current.calls:
                    if call.nested:
                        continue
                    blocked = self.blocking(call, current)
                    if blocked:
                        return [*names, display(blocked)]
                    callee = self.callee(call, current)
                    if callee is None or callee.is_async or callee.memoized or callee.qualname in seen:
                        continue
                    seen.add(callee.qualname)
                    following.append((callee, [*names, callee.name]))
            level = following
        return None


@register
class BlockingIOInAsync(ProjectCheck):
    rule_id = "async-no-blocking-io-in-async-route"

    def check(self, project: Project) -> None:
        index = project.shared(BlockingIndex)
        reach = project.shared(Reachability)
        # a sync Session call is reported by the rule that says precisely what to do about it
        defer_sessions = "db-no-sync-session-in-async" in project.selected
        from bp_rules.validator.checks.db_sessions import NoSyncSessionInAsync

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
                if blocked and defer_sessions and NoSyncSessionInAsync._sync_session_method(index, called):
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
