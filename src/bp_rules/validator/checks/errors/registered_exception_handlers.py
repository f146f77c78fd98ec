"""`errors-registered-exception-handlers`: every domain exception that can reach FastAPI has a handler
registered on the app."""

from __future__ import annotations

import libcst as cst

from bp_rules.validator.analysis.layout import BUILTIN_EXCEPTIONS, FASTAPI_APP, ClassKinds, Layout, report_per_file
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import keyword_arg, positional
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register

CATCH_ALL = frozenset({"builtins.Exception", "builtins.BaseException"})
# Pydantic turns these into 422 responses when a validator raises them
VALIDATION_ERRORS = frozenset({"builtins.ValueError", "builtins.AssertionError"})
APP_CLASSES = FASTAPI_APP | {"starlette.applications.Starlette"}


@register
class ExceptionFacts(FileCheck):
    """Records what this file raises, catches and registers handlers for."""

    rule_id = "errors-registered-exception-handlers"
    node_types = (cst.Raise, cst.ExceptHandler, cst.Call)

    def check(self, ctx: FileContext) -> None:
        facts = ctx.summary.facts.setdefault(self.rule_id, [])
        for node, scope in ctx.nodes(cst.Raise):
            exc = node.exc.func if isinstance(node.exc, cst.Call) else node.exc
            name = ctx.qualify(exc, scope) if exc is not None else ""
            if name:
                facts.append(["raise", name, scope.info.qualname if scope is not None else ""])
        for node, scope in ctx.nodes(cst.ExceptHandler):
            if node.type is None:
                continue
            types = [e.value for e in node.type.elements] if isinstance(node.type, cst.Tuple) else [node.type]
            facts.extend(["catch", ctx.qualify(t, scope)] for t in types)
        for node, scope in ctx.nodes(cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value == "add_exception_handler":
                arg = keyword_arg(node, "exc_class_or_status_code") or positional(node, 0)
                if arg is not None:
                    facts.append(["handler", self._handled(ctx, arg.value, scope)])
            elif ctx.qualify(func, scope) in FASTAPI_APP:
                arg = keyword_arg(node, "exception_handlers")
                if arg is not None:
                    for key in self._dict_keys(ctx, arg.value):
                        facts.append(["handler", self._handled(ctx, key, scope) if key is not None else ""])
        for fn in ctx.summary.functions:
            for expr, method in ctx.method_decorators(fn):
                if method == "exception_handler":
                    arg = positional(expr, 0) or keyword_arg(expr, "exc_class_or_status_code")
                    if arg is not None:
                        facts.append(["handler", self._handled(ctx, arg.value, None)])
        if not facts:
            del ctx.summary.facts[self.rule_id]

    @staticmethod
    def _handled(ctx: FileContext, node: cst.BaseExpression, scope) -> str:
        """The exception class a handler is for; `status` for a status code; "" when it cannot be told."""
        if isinstance(node, cst.Integer):
            return "status"
        name = ctx.qualify(node, scope)
        if name.startswith(("starlette.status.", "fastapi.status.", "http.HTTPStatus")):
            return "status"
        return name

    @staticmethod
    def _dict_keys(ctx: FileContext, value: cst.BaseExpression) -> list[cst.BaseExpression | None]:
        """Keys of `{E: handler}`, also through a module-level `handlers = {...}` of this file."""
        if isinstance(value, cst.Name):
            for stmt in ctx.tree.body:
                if isinstance(stmt, cst.SimpleStatementLine):
                    for small in stmt.body:
                        if (
                            isinstance(small, (cst.Assign, cst.AnnAssign))
                            and isinstance(small.value, cst.Dict)
                            and any(
                                isinstance(t, cst.Name) and t.value == value.value
                                for t in ([t.target for t in small.targets] if isinstance(small, cst.Assign)
                                          else [small.target])
                            )
                        ):  # fmt: skip
                            value = small.value
        if not isinstance(value, cst.Dict):
            return [None]
        return [e.key if isinstance(e, cst.DictElement) else None for e in value.elements]


@register
class RegisteredExceptionHandlers(ProjectCheck):
    rule_id = "errors-registered-exception-handlers"

    def check(self, project: Project) -> None:
        layout = Layout.of(project)
        handlers: set[str] = set()
        raising: dict[str, set[str]] = {}  # exception -> functions that raise it
        caught: set[str] = set()
        has_app = False
        for path, summary in project.summaries.items():
            place = layout.place(path)
            if place.in_tests or place.in_migrations:
                continue
            has_app = has_app or any(c.name in FASTAPI_APP for c in _calls(summary))
            for kind, name, *where in summary.facts.get(self.rule_id, []):
                if kind == "handler":
                    if not name:
                        return  # a handler for something this run cannot name: it may cover anything
                    handlers.add(project.canonical(name))
                elif kind == "raise" and where and where[0]:
                    raising.setdefault(project.canonical(name), set()).add(where[0])
                elif kind == "catch" and name:
                    caught.add(project.canonical(name))
        if not has_app or handlers & CATCH_ALL:
            return
        reached = _reached_from_requests(project)
        raised = {name for name, functions in raising.items() if functions & reached}
        kinds = ClassKinds.of(project)
        items = []
        for path, summary in project.summaries.items():
            place = layout.place(path)
            if place.in_tests or place.in_migrations:
                continue
            for cls in summary.classes:
                if cls.nested or cls.name.startswith("_") or cls.qualname not in raised:
                    continue
                roots = kinds.roots(cls.qualname)
                if not roots or not roots <= BUILTIN_EXCEPTIONS or roots & VALIDATION_ERRORS:
                    continue  # an HTTPException (FastAPI answers it) or a class this run cannot follow
                family = {cls.qualname, *kinds.ancestors(cls.qualname)}
                if family & handlers or family & caught:
                    continue
                items.append((path, cls.span, cls.name))

        def message(path: str, labels: list[str]) -> str:
            first = f"`{labels[0]}`" + (f" (and {len(labels) - 1} more in this module)" if len(labels) > 1 else "")
            return (
                f"exception {first} is raised, but no registered exception handler covers it or a base class, so "
                "it reaches clients as a bare 500; derive it from a base with a handler (e.g. `DomainError`) or "
                "register one with `app.add_exception_handler(...)` in main.py"
            )

        report_per_file(project, self.rule_id, items, message)


MAX_DEPTH = 8


def _reached_from_requests(project: Project) -> set[str]:
    """Functions a request can run: routes, dependencies, and what they call inside the project (module
    functions, methods of module-level service instances), a few calls deep. A worker task or a CLI command
    that raises is not a request: its exceptions never reach an exception handler."""
    seen = {fn.qualname for fn, _ in project.functions.values() if project.is_injected(fn)}
    frontier = list(seen)
    for _ in range(MAX_DEPTH):
        following = []
        for qualname in frontier:
            for call in project.functions[qualname][0].calls:
                callee = _callee(project, call.name)
                if callee is not None and callee not in seen:
                    seen.add(callee)
                    following.append(callee)
        if not following:
            break
        frontier = following
    return seen


def _callee(project: Project, name: str) -> str | None:
    """`f`, `Class.method`, or `instance.method` where `instance = Class()` at module level."""
    if not name:
        return None
    found = project.function(name)
    if found is not None:
        return found[0].qualname
    receiver, _, method = name.rpartition(".")
    module, _, var = receiver.removesuffix("()").rpartition(".")
    summary = project.module_of.get(module)
    if summary is None:
        return None
    cls = summary.assigned_calls.get(var) if not receiver.endswith("()") else f"{module}.{var}"
    if not cls:
        return None
    found = project.function(f"{cls}.{method}")
    return found[0].qualname if found is not None else None


def _calls(summary):
    yield from summary.module_calls
    for fn in summary.functions:
        yield from fn.calls
