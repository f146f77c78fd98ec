"""`async-cpu-bound-offload`: CPU-heavy work (password hashing, image resizing, big dataframes) stays off the
event loop: pure-Python work in a process pool or a task queue, GIL-releasing C code in the threadpool."""

from __future__ import annotations

from bp_rules.validator.analysis.blocking import RELEASES_GIL, BlockingIndex, cpu_heavy, display, expand
from bp_rules.validator.names import THREAD_OFFLOAD
from bp_rules.validator.project import Project
from bp_rules.validator.registry import ProjectCheck, register
from bp_rules.validator.summary import Call, FileSummary, Function


@register
class CpuBoundOffload(ProjectCheck):
    rule_id = "async-cpu-bound-offload"

    def check(self, project: Project) -> None:
        index = project.shared(BlockingIndex)
        for fn, summary in project.reported_functions():
            if fn.nested or not (project.is_route(fn) or project.is_dependency(fn)):
                continue
            kind = "route" if project.is_route(fn) else "dependency"
            for call in fn.calls:
                if call.nested:
                    continue
                if call.name in THREAD_OFFLOAD:
                    for ref in call.passed_refs:
                        heavy = cpu_heavy(ref) or cpu_heavy(expand(index, ref))
                        if heavy and heavy not in RELEASES_GIL:
                            self._report(project, summary, call, heavy, kind, fn, "a thread")
                    continue
                if call.awaited:
                    continue
                heavy = cpu_heavy(call.name) or cpu_heavy(expand(index, call.name))
                if heavy and (fn.is_async or heavy not in RELEASES_GIL):
                    self._report(project, summary, call, heavy, kind, fn, "loop" if fn.is_async else "sync")

    def _report(self, project, summary: FileSummary, call: Call, heavy: str, kind: str, fn: Function, where: str):
        shown = display(heavy).replace("()", "(...)")
        if where == "loop":
            place = f"blocks the event loop in async {kind} `{fn.name}`"
        elif where == "sync":
            place = f"holds a threadpool thread (and the GIL) in sync {kind} `{fn.name}`"
        else:
            place = f"gains little from a thread in {kind} `{fn.name}` (the GIL)"
        if heavy in RELEASES_GIL:
            remedy = "it releases the GIL, so `await run_in_threadpool(...)` is enough"
        else:
            remedy = "send it to a process pool (`loop.run_in_executor(process_pool, ...)`) or a task queue"
        project.report(self.rule_id, summary.path, call.span, f"`{shown}` is CPU-heavy and {place}; {remedy}")
