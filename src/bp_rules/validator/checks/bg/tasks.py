"""Background work: what `BackgroundTasks` should carry, and fire-and-forget `create_task` in requests
(catalog 6.7, rule 51, and the opt-in `bg-no-bare-create-task`)."""

from __future__ import annotations

import libcst as cst

from bp_rules.validator.analysis import phase_facts as F
from bp_rules.validator.analysis.blocking import BlockingIndex, cpu_heavy, expand, first_blocking
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import dotted
from bp_rules.validator.names import last
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register
from bp_rules.validator.summary import Function

SLEEPS = frozenset({"time.sleep", "asyncio.sleep", "anyio.sleep", "trio.sleep"})
RETRY_DECORATORS = frozenset({"retry", "retry_async", "backoff.on_exception", "on_exception"})
# work "you'd page on": a task whose name starts with one of these verbs...
CRITICAL_VERBS = frozenset({"charge", "refund", "payout", "pay", "bill"})
# ...or acts on one of these (`process_payment`, `finalize_invoice`, `transfer_funds`)
CRITICAL_OBJECTS = frozenset({"payment", "payments", "payout", "payouts", "invoice", "invoices", "funds", "money"})
CRITICAL_OBJECT_VERBS = frozenset(
    {"process", "create", "execute", "make", "submit", "settle", "finalize", "collect", "capture", "transfer"}
)
WEBHOOK_VERBS = frozenset({"deliver", "delivery", "deliveries", "dispatch", "send", "retry"})
CLOSURE_DEPTH = 3


def critical(name: str) -> bool:
    words = [w for w in name.lower().strip("_").split("_") if w]
    if not words:
        return False
    if words[0] in CRITICAL_VERBS:
        return True
    if words[0] in CRITICAL_OBJECT_VERBS and CRITICAL_OBJECTS.intersection(words):
        return True
    return bool({"webhook", "webhooks"}.intersection(words) and WEBHOOK_VERBS.intersection(words))


@register
class TasksShortFacts(FileCheck):
    """Phase 1 of `bg-tasks-short-and-droppable`: each `BackgroundTasks.add_task(f, ...)`, the function it
    schedules and whether it sits in a loop."""

    rule_id = "bg-tasks-short-and-droppable"
    node_types = (cst.For, cst.While)

    def check(self, ctx: FileContext) -> None:
        loops: dict[str, list[cst.CSTNode]] | None = None
        local_functions = {f.qualname for f in ctx.summary.functions}
        for fn in ctx.summary.functions:
            for i, call in enumerate(fn.calls):
                if call.nested or call.name not in F.BACKGROUND_ADD_TASK:
                    continue
                node = ctx.call_node(call)
                arg = F.first_arg(node, "func")
                target = self._target(ctx, fn, arg.value, local_functions) if arg is not None else ""
                if loops is None:
                    loops = {}
                    for loop, scope in ctx.nodes(cst.For) + ctx.nodes(cst.While):
                        if scope is not None:
                            loops.setdefault(scope.info.qualname, []).append(loop)
                in_loop = any(
                    F.contains(loop.body, node, stop=(cst.FunctionDef, cst.ClassDef))
                    for loop in loops.get(fn.qualname, ())
                )
                F.record(ctx, self.rule_id, fn.qualname, i, target, in_loop)

    @staticmethod
    def _target(ctx: FileContext, fn: Function, value: cst.BaseExpression, local_functions: set[str]) -> str:
        raw = dotted(value)
        if not raw or "()" in raw:
            return ""
        head = raw.split(".", 1)[0]
        nested = f"{fn.qualname}.<locals>.{raw}"
        if nested in local_functions:
            return nested
        if head in {p.name for p in fn.params}:
            return ""  # a function handed in by the caller
        return ctx.indexer.qualify(raw)


@register
class TasksShortAndDroppable(ProjectCheck):
    rule_id = "bg-tasks-short-and-droppable"

    def check(self, project: Project) -> None:
        index = project.shared(BlockingIndex)
        self._memo: dict[tuple[str, int], str | None] = {}
        for summary in project.summaries.values():
            for _fn, call, (target, in_loop) in F.fact_calls(summary, F.read(summary, self.rule_id)):
                found = project.function(target) if target else None
                task = found[0] if found else None
                reason = self._reason(project, index, task, last(target) if target else "", in_loop)
                if reason:
                    project.report(
                        self.rule_id,
                        summary.path,
                        call.span,
                        f"{reason}; `BackgroundTasks` run in the web worker with no retry and are lost on a "
                        "restart: send this to a task queue (Celery, Arq, RQ)",
                    )

    def _reason(self, project: Project, index: BlockingIndex, task: Function | None, name: str, in_loop: bool):
        shown = task.name if task else name
        if shown and critical(shown):
            return f"background task `{shown}` looks like work that must not be lost"
        if task is not None:
            if any(last(d) in RETRY_DECORATORS or d in RETRY_DECORATORS for d in task.decorators):
                return f"background task `{shown}` retries"
            if task.is_async:
                blocked = first_blocking(index, task)
                if blocked:
                    return f"async background task `{shown}` blocks the event loop after the response on {blocked[1]}"
            slow = self._slow(project, index, task, 0, set())
            if slow:
                return f"background task `{shown}` {slow}"
        if in_loop:
            return f"one background task `{shown or '...'}` is scheduled per item of a loop"
        return None

    def _slow(self, project: Project, index: BlockingIndex, fn: Function, depth: int, seen: set[str]) -> str | None:
        """Sleeps (waits, retry back-off) or CPU-heavy calls in the task or the project code it calls."""
        key = (fn.qualname, depth)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = None  # a cycle finds nothing new
        self._memo[key] = result = self._slow_uncached(project, index, fn, depth, seen)
        return result

    def _slow_uncached(
        self, project: Project, index: BlockingIndex, fn: Function, depth: int, seen: set[str]
    ) -> str | None:
        seen.add(fn.qualname)
        for call in fn.calls:
            if call.nested:
                continue
            if call.name in SLEEPS:
                return f"waits with `{call.name}` (retries or delays)"
            heavy = cpu_heavy(call.name) or cpu_heavy(expand(index, call.name))
            if heavy:
                return f"does CPU-heavy work (`{heavy.replace('()', '')}`)"
        if depth >= CLOSURE_DEPTH:
            return None
        for call in fn.calls:
            found = project.function(call.name) if not call.nested else None
            if found is not None and found[0].qualname not in seen:
                slow = self._slow(project, index, found[0], depth + 1, seen)
                if slow:
                    return slow
        return None


# --- opt-in: create_task ----------------------------------------------------------------------------------

CREATE_TASK = frozenset(
    {
        "asyncio.create_task",
        "asyncio.ensure_future",
        "asyncio.get_event_loop().create_task",
        "asyncio.get_running_loop().create_task",
    }
)


@register
class NoBareCreateTask(FileCheck):
    rule_id = "bg-no-bare-create-task"
    node_types = (cst.Expr, cst.Assign, cst.Await, cst.Return)

    def check(self, ctx: FileContext) -> None:
        candidates = [
            (fn, call)
            for fn in ctx.summary.functions
            for call in fn.calls
            if call.name in CREATE_TASK and not call.awaited and not call.nested
        ]
        candidates = [(fn, call) for fn, call in candidates if ctx.is_injected(fn)]
        if not candidates:
            return
        discarded = {id(e.value) for e, _ in ctx.nodes(cst.Expr)}
        assigned = {}
        for stmt, scope in ctx.nodes(cst.Assign):
            if scope is not None and len(stmt.targets) == 1 and isinstance(stmt.targets[0].target, cst.Name):
                assigned[id(stmt.value)] = stmt.targets[0].target.value
        for fn, call in candidates:
            node = ctx.call_node(call)
            if id(node) in discarded:
                pass
            elif id(node) in assigned:
                if self._used(ctx, fn, assigned[id(node)]):
                    continue
            else:
                continue  # passed on, returned or stored: someone else owns it
            kind = "route" if ctx.is_route(fn) else "dependency"
            ctx.report_at(
                self.rule_id,
                call,
                f"`{F.code(node.func)}(...)` in {kind} `{fn.name}` starts a task nobody awaits: it can be "
                "garbage-collected mid-run and its errors are lost; use `background_tasks.add_task(fn, ...)`",
            )

    @staticmethod
    def _used(ctx: FileContext, fn: Function, name: str) -> bool:
        """The task is awaited, returned, or handed to another call (`gather`, a task set) in the function."""
        for node, scope in ctx.nodes(cst.Await):
            if scope is not None and scope.info is fn and _names(node.expression, name):
                return True
        for node, scope in ctx.nodes(cst.Return):
            if scope is not None and scope.info is fn and _names(node.value, name):
                return True
        return any(_names(arg.value, name) for call in fn.calls for arg in ctx.call_node(call).args)


def _names(node: cst.BaseExpression | None, name: str) -> bool:
    if isinstance(node, cst.Name):
        return node.value == name
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        return any(_names(el.value, name) for el in node.elements)
    return False
