"""Who runs a function: the server (routes, dependencies, middleware and exception handlers, and everything
they call), only a command-line entry point (typer/click commands, a cappa command class's `__call__`,
`asyncio.run(...)`), the test runner (tests and fixtures), or only the app's start-up and shutdown (the
lifespan or a startup handler, and what it calls or awaits before it returns: once, before the app serves).
A coroutine the lifespan starts as a task (`asyncio.create_task(poll())`) runs while the app serves.

Built in phase 2 from the call graph of the summaries. A blocking call in a coroutine that only a CLI command
runs holds up no request, so the async rules leave it alone; a coroutine nobody is known to call is treated
as served (library code a route may reach through a call the graph cannot see).
"""

from __future__ import annotations

from collections import deque

from bp_rules.validator.names import last
from bp_rules.validator.project import Project
from bp_rules.validator.summary import Call, Function

LOOP_RUNNERS = frozenset({"asyncio.run", "anyio.run", "trio.run", "uvloop.run"})
CLI_LIBRARIES = ("typer", "click", "asyncclick", "cyclopts", "cappa")
CLI_DECORATORS = frozenset({"command", "callback", "group", "result_callback"})
MIDDLEWARE_BASES = frozenset({"BaseHTTPMiddleware"})
STARTUP = "lifespan"
HANDLER_DECORATORS = {"middleware": "middleware", "exception_handler": "exception handler", "on_event": STARTUP}


def param_names(fn: Function) -> set[str]:
    return {p.name for p in fn.params}


class Reachability:
    def __init__(self, project: Project):
        self.project = project
        self.edges: dict[str, list[str]] = {}
        self.entries: dict[str, str] = {}  # server entry qualname -> what it is (route, dependency...)
        cli_roots: list[str] = []  # command-line and test entry points: no request waits on them
        startup_roots: list[str] = []  # the lifespan and startup/shutdown handlers: run once, not per request
        for fn, summary in project.functions.values():
            self.edges[fn.qualname] = self._callees(fn.calls, fn)
            kind = self._server_kind(fn)
            if kind == STARTUP:
                startup_roots.append(fn.qualname)
            elif kind:
                self.entries[fn.qualname] = kind
            elif (
                self._is_cli(fn, summary)
                or any(c.name in LOOP_RUNNERS for c in fn.calls)
                or self._is_test(fn, summary.path)
            ):
                cli_roots.append(fn.qualname)
        for summary in project.summaries.values():
            if any(c.name in LOOP_RUNNERS for c in summary.module_calls):  # `if __name__ == "__main__": ...`
                root = f"{summary.module}.<module>"
                self.edges[root] = self._callees(summary.module_calls, None)
                cli_roots.append(root)
        self.parent: dict[str, str | None] = self._walk(list(self.entries))
        self.cli = set(self._walk(cli_roots))
        inline = {fn.qualname: self._inline_callees(fn) for fn in self._functions(startup_roots)}
        self.startup = set(self._walk(startup_roots, inline))

    def _callees(self, calls: list[Call], fn: Function | None) -> list[str]:
        out = []
        for call in calls:
            for name in (self.project.call_name(fn, call), *call.passed_refs):
                found = self.project.function(name) if name else None
                if found is not None:
                    out.append(found[0].qualname)
        return out

    def _inline_callees(self, fn: Function) -> list[str]:
        """What `fn` runs before it returns: sync functions it calls and coroutines it awaits, not a coroutine
        it only creates (handed to a task, it runs later) nor a function it passes on."""
        out = []
        for call in fn.calls:
            name = self.project.call_name(fn, call) if not call.nested else ""
            found = self.project.function(name) if name else None
            if found is not None and (call.awaited or not found[0].is_async):
                out.append(found[0].qualname)
        return out

    def _functions(self, roots: list[str]) -> list[Function]:
        """The functions reachable from `roots`, through any call."""
        return [self.project.functions[q][0] for q in self._walk(roots) if q in self.project.functions]

    def _walk(self, roots: list[str], edges: dict[str, list[str]] | None = None) -> dict[str, str | None]:
        edges = self.edges if edges is None else edges
        parent: dict[str, str | None] = dict.fromkeys(roots)
        queue = deque(roots)
        while queue:
            current = queue.popleft()
            for callee in edges.get(current, ()):
                if callee not in parent:
                    parent[callee] = current
                    queue.append(callee)
        return parent

    def _server_kind(self, fn: Function) -> str | None:
        project = self.project
        if project.is_route(fn):
            return "route"
        if project.is_dependency(fn):
            return "dependency"
        for decorator in fn.decorators:
            kind = HANDLER_DECORATORS.get(last(decorator))
            if kind:
                return kind
        if "lifespan" in fn.name.lower():  # `FastAPI(lifespan=...)`: the keyword's value is not in the summary
            return STARTUP
        if fn.in_class and fn.is_async and fn.name == "dispatch":
            found = project.classes.get(fn.in_class)
            if found and any(last(b) in MIDDLEWARE_BASES for b in found[0].bases):
                return "middleware"
        if fn.in_class and fn.is_async and fn.name == "__call__" and {"scope", "receive", "send"} <= param_names(fn):
            return "middleware"  # a pure ASGI middleware
        return None

    @staticmethod
    def _is_test(fn: Function, path: str) -> bool:
        """A test or fixture: the test runner awaits it, not a request."""
        name = path.rsplit("/", 1)[-1]
        in_tests = path.startswith(("tests/", "test/")) or "/tests/" in path or name.startswith("test_")
        return in_tests and (fn.name.startswith("test") or any("fixture" in d for d in fn.decorators))

    def _is_cli(self, fn: Function, summary) -> bool:
        decorators = fn.decorators
        if fn.in_class and fn.name == "__call__":  # cappa: `@cappa.command` on a class whose `__call__` runs
            found = self.project.classes.get(fn.in_class)
            decorators = (*decorators, *(found[0].decorators if found else ()))
        if not any(last(d) in CLI_DECORATORS for d in decorators):
            return False
        return any(imp.module.split(".", 1)[0] in CLI_LIBRARIES for imp in summary.imports)

    # --- queries ----------------------------------------------------------------------------------------

    def served(self, fn: Function) -> bool:
        """Run on behalf of a request, or not known to be run only by a command-line entry point, a test or
        the app's start-up."""
        return fn.qualname in self.parent or (fn.qualname not in self.cli and fn.qualname not in self.startup)

    def kind(self, fn: Function) -> str:
        return self.entries.get(fn.qualname, "coroutine")

    def path(self, fn: Function) -> list[str]:
        """How a request reaches `fn`, as names: `["route get_rates", "load_rates", "fn"]`; just `fn` when no
        server entry reaches it."""
        chain: list[str] = []
        current: str | None = fn.qualname
        while current is not None and len(chain) < 64:
            chain.append(current)
            current = self.parent.get(current)
        chain.reverse()
        names = [self.project.functions[q][0].name if q in self.project.functions else "" for q in chain]
        if chain[0] in self.entries and len(chain) > 1:
            names[0] = f"{self.entries[chain[0]]} {names[0]}"
        if len(names) > 5:  # route -> first hop -> ... -> last hops
            names = [*names[:2], "...", *names[-2:]]
        return [n for n in names if n]
