"""Shared helpers for the route, async, dependency, REST, background, error and auth checks.

Some rules need a fact only the syntax tree shows (a call whose value is thrown away, the `try` around a call,
a router's literal prefix) and a project-wide view (is the callee an `async def` in another module? is a
handler registered in `main.py`?). Such a rule registers a file check that records the fact in
`summary.facts[rule_id]` as JSON-like lists, and a project check that reads the facts back. A fact points at
a summary object by position (a function's qualname and the index of a call or parameter), because spans
are only known after phase 1.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import libcst as cst

from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import children, dotted, keyword_arg, positional, self_assignments, string_value
from bp_rules.validator.summary import Call, FileSummary, Function

HTTP_EXCEPTIONS = frozenset(
    {"fastapi.HTTPException", "fastapi.exceptions.HTTPException", "starlette.exceptions.HTTPException"}
)
BACKGROUND_ADD_TASK = frozenset(
    {
        "fastapi.BackgroundTasks.add_task",
        "fastapi.background.BackgroundTasks.add_task",
        "starlette.background.BackgroundTasks.add_task",
    }
)
PATH_PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")


# --- facts ------------------------------------------------------------------------------------------------


def record(ctx: FileContext, rule_id: str, *fact) -> None:
    ctx.summary.facts.setdefault(rule_id, []).append(list(fact))


def read(summary: FileSummary, rule_id: str) -> list[list]:
    return summary.facts.get(rule_id, [])


def call_index(ctx: FileContext) -> dict[int, tuple[Function | None, int, Call]]:
    """id(call node) -> (function or None at module level, index in its calls, the summary call)."""
    out: dict[int, tuple[Function | None, int, Call]] = {}
    for fn in ctx.summary.functions:
        for i, call in enumerate(fn.calls):
            out[id(ctx.call_node(call))] = (fn, i, call)
    for i, call in enumerate(ctx.summary.module_calls):
        out[id(ctx.call_node(call))] = (None, i, call)
    return out


def functions_by_name(summary: FileSummary) -> dict[str, Function]:
    return {fn.qualname: fn for fn in summary.functions}


def fact_call(functions: dict[str, Function], summary: FileSummary, qualname: str, index: int) -> Call | None:
    if qualname == "":
        calls = summary.module_calls
    else:
        fn = functions.get(qualname)
        calls = fn.calls if fn is not None else []
    return calls[index] if 0 <= index < len(calls) else None


def fact_calls(summary: FileSummary, facts: list[list]) -> Iterator[tuple[Function | None, Call, list]]:
    """For facts shaped `[qualname, call index, *rest]`: the function (None at module level), the summary call
    the fact points at, and the rest; facts whose call no longer exists are skipped."""
    if not facts:
        return
    functions = functions_by_name(summary)
    for qualname, index, *rest in facts:
        call = fact_call(functions, summary, qualname, index)
        if call is not None:
            yield functions.get(qualname), call, rest


# --- syntax ----------------------------------------------------------------------------------------------


def unwrap_await(node: cst.BaseExpression | None) -> cst.BaseExpression | None:
    return node.expression if isinstance(node, cst.Await) else node


def statements(block: cst.BaseSuite) -> list[cst.BaseStatement | cst.BaseSmallStatement]:
    """The statements of a suite; a one-line suite (`if x: raise E()`) gives its small statements."""
    if isinstance(block, cst.IndentedBlock):
        return list(block.body)
    if isinstance(block, cst.SimpleStatementSuite):
        return list(block.body)
    return []


def small_statements(stmts: Iterable) -> Iterator[cst.BaseSmallStatement]:
    for stmt in stmts:
        if isinstance(stmt, cst.SimpleStatementLine):
            yield from stmt.body
        elif isinstance(stmt, cst.BaseSmallStatement):
            yield stmt


def contains(root: cst.CSTNode, target: cst.CSTNode, *, stop: tuple[type, ...] = ()) -> bool:
    """Whether `target` is inside `root`. Only for small subtrees of rare constructs (a `try` around a
    `jwt.decode`, a loop around `add_task`): never used to scan a whole module."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node is target:
            return True
        if stop and node is not root and isinstance(node, stop):
            continue
        stack.extend(children(node))
    return False


def handler_types(ctx: FileContext, handler: cst.ExceptHandler, scope) -> list[str]:
    """Qualified names an `except` clause catches; a bare `except:` catches `builtins.BaseException`."""
    if handler.type is None:
        return ["builtins.BaseException"]
    types = [el.value for el in handler.type.elements] if isinstance(handler.type, cst.Tuple) else [handler.type]
    return [ctx.qualify(t, scope) or (dotted(t) or "") for t in types]


def first_arg(node: cst.Call, keyword: str, index: int = 0) -> cst.Arg | None:
    return keyword_arg(node, keyword) or positional(node, index)


def string_keyword(node: cst.Call, name: str) -> str | None:
    """The literal value of a keyword argument: "" when absent, None when present but not a literal."""
    arg = keyword_arg(node, name)
    if arg is None:
        return ""
    return string_value(arg.value)


def code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def path_params(path: str) -> list[str]:
    return PATH_PARAM.findall(path)


def first_param_name(fn: Function) -> str | None:
    return fn.params[0].name if fn.params else None


# --- instance attributes ----------------------------------------------------------------------------------


class AttributeTypes:
    """`self.<attr>` types a class declares: class-level annotations, and `self.x = param` / `self.x = C()`
    in `__init__` (a parameter's annotation, or the constructor called). Qualified names, `C()` for
    instances made by calling `C`."""

    def __init__(self, ctx: FileContext):
        self.ctx = ctx
        self._cache: dict[str, dict[str, str]] = {}

    def of(self, cls_qualname: str) -> dict[str, str]:
        if cls_qualname not in self._cache:
            self._cache[cls_qualname] = self._collect(cls_qualname)
        return self._cache[cls_qualname]

    def _collect(self, cls_qualname: str) -> dict[str, str]:
        ctx = self.ctx
        node = ctx.indexer.class_nodes.get(cls_qualname)
        if node is None:
            return {}
        out: dict[str, str] = {}
        for stmt in small_statements(statements(node.body)):
            if isinstance(stmt, cst.AnnAssign) and isinstance(stmt.target, cst.Name):
                name = ctx.qualify(stmt.annotation.annotation)
                if name:
                    out[stmt.target.value] = name
        init = next(
            (f for f in ctx.summary.functions if f.qualname == f"{cls_qualname}.__init__"),
            None,
        )
        if init is None or not init.params:
            return out
        self_name = init.params[0].name
        annotations = {p.name: p.annotation for p in init.params[1:] if p.annotation}
        init_node = ctx.function_node(init)
        for attr, value, annotation in self_assignments(init_node, self_name):
            if annotation is not None:
                name = ctx.qualify(annotation)
            elif isinstance(value, cst.Name) and value.value in annotations:
                name = annotations[value.value]
            elif isinstance(value, cst.Call):
                callee = ctx.qualify(value.func)
                name = f"{callee}()" if callee else ""
            else:
                name = ""
            if name:
                out.setdefault(attr, name)
        return out

    def callee(self, fn: Function, node: cst.Call) -> str:
        """`self._http.post(...)` in a method -> `httpx.AsyncClient.post`; "" when unknown."""
        func = node.func
        if not (fn.in_class and isinstance(func, cst.Attribute) and isinstance(func.value, cst.Attribute)):
            return ""
        if "staticmethod" in fn.decorators:
            return ""
        owner = func.value
        if not (isinstance(owner.value, cst.Name) and owner.value.value == first_param_name(fn)):
            return ""
        base = self.of(fn.in_class).get(owner.attr.value)
        return f"{base}.{func.attr.value}" if base else ""


# --- routers ----------------------------------------------------------------------------------------------


def router_prefixes(ctx: FileContext) -> dict[str, str | None]:
    """Module-level routers of this file -> their literal `prefix=` ("" without one, None if not a literal).

    Read once per file: every route of the file asks, and scanning the module for each would make a file
    of N routes cost N^2."""
    cached = ctx.memo.get("router_prefixes")
    if cached is None:
        cached = ctx.memo["router_prefixes"] = _router_prefixes(ctx)
    return cached


def _router_prefixes(ctx: FileContext) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    if not ctx.summary.routers:
        return out
    for stmt in small_statements(ctx.tree.body):
        if isinstance(stmt, cst.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0].target, stmt.value
        elif isinstance(stmt, cst.AnnAssign) and stmt.value is not None:
            target, value = stmt.target, stmt.value
        else:
            continue
        if isinstance(target, cst.Name) and target.value in ctx.summary.routers and isinstance(value, cst.Call):
            out[target.value] = string_keyword(value, "prefix")
    return out


def route_templates(ctx: FileContext, fn: Function) -> list[str]:
    """The literal path templates of a route of this file, with its router's literal prefix when known."""
    prefixes = None
    out = []
    routes = list(fn.routes) + [r for q, r in ctx.summary.route_endpoints if q == fn.qualname]
    for route in routes:
        if route.path is None:
            continue
        prefix = ""
        local = route.router.removeprefix(ctx.module + ".")
        if local in ctx.summary.routers:
            prefixes = prefixes if prefixes is not None else router_prefixes(ctx)
            prefix = prefixes.get(local) or ""
        out.append(prefix + route.path)
    return out


def raises_in(suite: cst.BaseSuite) -> Iterator[cst.Raise]:
    """The `raise` statements a suite runs itself: through `if`/`for`/`while`/`with`/`match` and a nested
    `try` body, not into nested functions or classes, nor into a nested `try`'s own handlers."""
    stack: list[cst.CSTNode] = list(statements(suite))
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, cst.SimpleStatementLine):
            stack.extend(stmt.body)
        elif isinstance(stmt, cst.Raise):
            yield stmt
        elif isinstance(stmt, (cst.If, cst.For, cst.While, cst.With, cst.Try, cst.TryStar, cst.Else, cst.Finally)):
            for name in ("body", "orelse", "finalbody"):
                part = getattr(stmt, name, None)
                if isinstance(part, cst.BaseSuite):
                    stack.extend(statements(part))
                elif isinstance(part, (cst.If, cst.Else, cst.Finally)):
                    stack.append(part)
        elif isinstance(stmt, cst.Match):
            for case in stmt.cases:
                stack.extend(statements(case.body))


# --- exception handlers -----------------------------------------------------------------------------------

APP_FACTORIES = frozenset({"fastapi.FastAPI", "fastapi.applications.FastAPI", "starlette.applications.Starlette"})


def qualify_module_level(ctx: FileContext, node: cst.BaseExpression) -> str:
    """A name as the module sees it, or through an import inside a function (`def create_app(): from ...`)."""
    name = ctx.qualify(node)
    if name:
        return name
    raw = dotted(node) or ""
    head, _, rest = raw.partition(".")
    for imp in ctx.summary.imports:
        if imp.in_function and imp.local == head:
            return f"{imp.module}.{rest}" if rest else imp.module
    return ""


def exception_handlers(ctx: FileContext) -> list[str]:
    """Exception classes this file registers handlers for: `@app.exception_handler(E)`,
    `app.add_exception_handler(E, h)`, `FastAPI(exception_handlers={E: h})`."""
    out = []
    for fn in [*ctx.summary.functions, None]:
        calls = fn.calls if fn is not None else ctx.summary.module_calls
        for call in calls:
            node = ctx.call_node(call)
            if isinstance(node.func, cst.Attribute) and node.func.attr.value in (
                "exception_handler",
                "add_exception_handler",
            ):
                arg = first_arg(node, "exc_class_or_status_code")
                if arg is not None:
                    out.append(qualify_module_level(ctx, arg.value))
            elif call.name in APP_FACTORIES:
                arg = keyword_arg(node, "exception_handlers")
                if arg is not None and isinstance(arg.value, cst.Dict):
                    for el in arg.value.elements:
                        if isinstance(el, cst.DictElement):
                            out.append(qualify_module_level(ctx, el.key))
    return [name for name in out if name]
