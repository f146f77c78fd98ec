"""Database session checks: sync sessions on the event loop, the async session factory, and SQL-first queries."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from bp_rules.validator.analysis.blocking import BlockingIndex
from bp_rules.validator.analysis.migration_files import is_migration
from bp_rules.validator.analysis.sessions import sync_session_method
from bp_rules.validator.analysis.statements import call_last
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import children, keyword_arg, positional
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register
from bp_rules.validator.summary import Function

ASYNC_SESSIONMAKERS = frozenset(
    {"sqlalchemy.ext.asyncio.async_sessionmaker", "sqlalchemy.ext.asyncio.session.async_sessionmaker"}
)
FACTORY_CALLS = frozenset({"async_sessionmaker", "sessionmaker", "create_async_engine"})
SESSIONMAKERS = ASYNC_SESSIONMAKERS | {
    "sqlalchemy.orm.sessionmaker",
    "sqlalchemy.orm.session.sessionmaker",
    "sqlalchemy.orm.scoped_session",
    "sqlalchemy.ext.asyncio.async_scoped_session",
}
SESSION_CLASSES = frozenset(
    {
        "sqlalchemy.ext.asyncio.AsyncSession",
        "sqlalchemy.ext.asyncio.session.AsyncSession",
        "sqlalchemy.orm.Session",
        "sqlalchemy.orm.session.Session",
        "sqlmodel.Session",
        "sqlmodel.orm.session.Session",
        "sqlmodel.ext.asyncio.session.AsyncSession",
    }
)
ASYNC_ENGINES = frozenset(
    {"sqlalchemy.ext.asyncio.create_async_engine", "sqlalchemy.ext.asyncio.engine.create_async_engine"}
)


def _is_literal_true(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"


def descendants(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The nodes below `node`, not entering nested functions, classes or lambdas (they run later, if at all)."""
    stack = list(children(node))
    while stack:
        current = stack.pop()
        yield current
        if not isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            stack.extend(children(current))


# --- db-no-sync-session-in-async --------------------------------------------------------------------------


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


# --- db-async-session-factory -----------------------------------------------------------------------------


def session_factory_call(ctx: FileContext, node: cst.BaseExpression | None, scope) -> bool:
    """A call that makes a new session: `AsyncSession(engine)`, or calling a `(async_)sessionmaker` product."""
    if not isinstance(node, cst.Call):
        return False
    name = ctx.qualify(node.func, scope)
    if name in SESSION_CLASSES:
        return True
    if name.endswith("()") and name[:-2] in SESSIONMAKERS:
        return True  # `async_sessionmaker(engine)()`
    module, _, var = name.rpartition(".")
    return module == ctx.module and ctx.summary.assigned_calls.get(var, "") in SESSIONMAKERS


@register
class AsyncSessionFactory(FileCheck):
    rule_id = "db-async-session-factory"
    node_types = (cst.Call, cst.Return)

    def check(self, ctx: FileContext) -> None:
        # an engine for Alembic or a one-off script does not keep connections long enough to go stale
        short_lived = any(imp.module.startswith("alembic") for imp in ctx.summary.imports) or _is_script(ctx)
        for node, scope in ctx.nodes(cst.Call):
            if call_last(node) not in FACTORY_CALLS or any(a.star == "**" for a in node.args):
                continue  # options passed through **kwargs cannot be seen
            name = ctx.qualify(node.func, scope)
            is_async_class = False
            if name in SESSIONMAKERS - ASYNC_SESSIONMAKERS:
                class_arg = keyword_arg(node, "class_")
                is_async_class = class_arg is not None and ctx.qualify(class_arg.value, scope).endswith(".AsyncSession")
            if name in ASYNC_SESSIONMAKERS or is_async_class:
                arg = keyword_arg(node, "expire_on_commit")
                if arg is None or _is_literal_true(arg.value):
                    ctx.report(
                        self.rule_id,
                        node,
                        "the async session factory expires every object on `commit()`, so the next attribute "
                        "read triggers implicit I/O that raises `MissingGreenlet`; pass `expire_on_commit=False`",
                    )
            elif (
                name in ASYNC_ENGINES
                and not short_lived
                and not ctx.placement.in_tests
                and keyword_arg(node, "pool_pre_ping") is None
                and keyword_arg(node, "poolclass") is None
            ):
                ctx.report(
                    self.rule_id,
                    node,
                    "`create_async_engine()` without `pool_pre_ping=True` hands out pooled connections the "
                    "database already closed, failing the next requests after a restart; pass "
                    "`pool_pre_ping=True`",
                )
        for node, scope in ctx.nodes(cst.Return):
            fn = scope.info if scope is not None else None
            if fn is not None and fn.is_async and not fn.yields and session_factory_call(ctx, node.value, scope):
                ctx.report(
                    self.rule_id,
                    node.value,
                    f"`{fn.name}` returns a new session that nobody closes, so each request leaks a connection "
                    "until the pool runs dry; `async with SessionFactory() as session: yield session`",
                )
        scopes = {id(scope.info): scope for _node, scope in ctx.nodes(cst.Call) if scope is not None}
        for fn in ctx.summary.functions:
            if fn.yields:
                self._yielded(ctx, fn, scopes.get(id(fn)))

    def _yielded(self, ctx: FileContext, fn: Function, scope) -> None:
        if any("fixture" in d for d in fn.decorators):
            return  # a pytest fixture, not a request dependency
        node = ctx.function_node(fn)
        created: dict[str, cst.Call] = {}
        yielded: list[tuple[str | None, cst.CSTNode]] = []
        for stmt in _statements(node.body):
            if isinstance(stmt, (cst.Assign, cst.AnnAssign)):
                targets = [t.target for t in stmt.targets] if isinstance(stmt, cst.Assign) else [stmt.target]
                if (
                    len(targets) == 1
                    and isinstance(targets[0], cst.Name)
                    and session_factory_call(ctx, stmt.value, scope)
                ):
                    created[targets[0].value] = stmt.value
            elif isinstance(stmt, cst.Expr) and isinstance(stmt.value, cst.Yield):
                inner = stmt.value.value
                if isinstance(inner, cst.Name):
                    yielded.append((inner.value, inner))
                elif session_factory_call(ctx, inner, scope):
                    yielded.append((None, inner))
        if not yielded or _cleans_up(node):
            return
        for name, where in yielded:
            if name is None:
                target = where
            elif name in created:
                target = created[name]
            else:
                continue
            ctx.report(
                self.rule_id,
                target,
                f"`{fn.name}` yields a session it did not open with `async with`, so it is never closed and "
                "each request leaks a connection; `async with SessionFactory() as session: yield session`",
            )


def _cleans_up(node: cst.FunctionDef) -> bool:
    """Whether the function closes something itself (the session, or the connection it bound it to)."""
    return any(
        isinstance(sub, cst.Call)
        and isinstance(sub.func, cst.Attribute)
        and sub.func.attr.value in ("close", "aclose", "dispose")
        for sub in descendants(node.body)
    )


def _is_script(ctx: FileContext) -> bool:
    """A file run as a program: under a top-level `scripts/` folder, or with an `if __name__ == "__main__":`."""
    if ctx.path.startswith("scripts/"):
        return True
    for stmt in ctx.tree.body:
        if isinstance(stmt, cst.If) and isinstance(stmt.test, cst.Comparison):
            parts = [stmt.test.left, *(c.comparator for c in stmt.test.comparisons)]
            if any(isinstance(p, cst.Name) and p.value == "__name__" for p in parts):
                return True
    return False


def _statements(block: cst.BaseSuite) -> Iterator[cst.CSTNode]:
    """The small statements of a function body and of its nested blocks, in order; compound statements too."""
    body = block.body if isinstance(block, cst.IndentedBlock) else list(getattr(block, "body", ()))
    for stmt in body:
        if isinstance(stmt, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            yield from stmt.body
        elif isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            continue
        elif isinstance(stmt, cst.BaseCompoundStatement):
            yield stmt
            yield from _compound_parts(stmt)


def _compound_parts(stmt: cst.CSTNode) -> Iterator[cst.CSTNode]:
    body = getattr(stmt, "body", None)
    if isinstance(body, cst.BaseSuite):
        yield from _statements(body)
    for handler in getattr(stmt, "handlers", ()):
        yield from _statements(handler.body)
    orelse = getattr(stmt, "orelse", None)
    if isinstance(orelse, cst.If):
        yield orelse
        yield from _compound_parts(orelse)
    elif isinstance(orelse, cst.Else):
        yield from _statements(orelse.body)
    final = getattr(stmt, "finalbody", None)
    if isinstance(final, cst.Finally):
        yield from _statements(final.body)


# --- db-sql-first -----------------------------------------------------------------------------------------

READ_METHODS = frozenset(
    {
        "execute", "scalars", "scalar", "get", "get_one", "stream", "stream_scalars", "refresh", "exec", "query",
        "fetch_all", "fetch_one", "fetch_val",
    }
)  # fmt: skip
SESSION_TYPE_NAMES = frozenset({"AsyncSession", "Session", "AsyncConnection", "Connection", "scoped_session"})
COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)
LITERALS = (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float, cst.FormattedString)


class _Rows:
    """What one function fetched: variables holding query results, and the statements behind them."""

    def __init__(self) -> None:
        self.fetched: dict[str, bool] = {}  # variable -> bounded (the query has a LIMIT)
        self.values: dict[str, cst.BaseExpression] = {}  # local variable -> the expression last assigned


@register
class SqlFirst(FileCheck):
    rule_id = "db-sql-first"
    node_types = (cst.Assign, cst.For, cst.Call, *COMPREHENSIONS)

    def check(self, ctx: FileContext) -> None:
        if ctx.placement.in_tests or is_migration(ctx):
            return
        rows: dict[int, _Rows] = {}
        for node, scope in ctx.nodes(cst.Assign):
            if scope is None or len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Name):
                continue
            found = rows.setdefault(id(scope), _Rows())
            name = node.targets[0].target.value
            found.values[name] = node.value
            bounded = self._fetch(ctx, node.value, scope, found)
            if bounded is not None:
                found.fetched[name] = bounded
            else:
                found.fetched.pop(name, None)
        if not rows:
            return
        for node, scope in ctx.nodes(cst.For):
            found = rows.get(id(scope)) if scope is not None else None
            if found is not None and node.asynchronous is None:
                self._loop(ctx, node.target, node.iter, node.body, scope, found)
        for kind in COMPREHENSIONS:
            for node, scope in ctx.nodes(kind):
                found = rows.get(id(scope)) if scope is not None else None
                if found is not None:
                    self._comprehension(ctx, node, scope, found)
        for node, scope in ctx.nodes(cst.Call):
            found = rows.get(id(scope)) if scope is not None else None
            if found is not None and call_last(node) in ("sorted", "sort"):
                self._sorted(ctx, node, scope, found)

    # --- what a query is ------------------------------------------------------------------------------

    def _session(self, ctx: FileContext, node: cst.BaseExpression, scope) -> bool:
        name = ctx.qualify(node, scope)
        if not name:
            return False
        if session_factory_call(ctx, node, scope):
            return True
        last = name.removesuffix("()").rpartition(".")[2]
        if last == "AsyncSession":
            return True
        if last in SESSION_TYPE_NAMES and name.startswith(("sqlalchemy.", "sqlmodel.")):
            return True
        if name.endswith("()"):
            module, _, var = name[:-2].rpartition(".")
            return module == ctx.module and ctx.summary.assigned_calls.get(var, "") in SESSIONMAKERS
        return name.startswith("databases.Database")

    def db_call(self, ctx: FileContext, node: cst.CSTNode, scope) -> bool:
        return (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in READ_METHODS
            and self._session(ctx, node.func.value, scope)
        )

    def _fetch(self, ctx: FileContext, value: cst.BaseExpression | None, scope, found: _Rows) -> bool | None:
        """For a query result (`(await db.scalars(stmt)).all()`), whether its query is bounded; None otherwise."""
        node = value
        while node is not None:
            if isinstance(node, cst.Call):
                if self.db_call(ctx, node, scope):
                    if node.func.attr.value in ("get", "get_one", "scalar", "fetch_one", "fetch_val", "refresh"):
                        return None  # one row, nothing to iterate
                    return self._bounded(positional(node, 0), found)
                node = node.func
            elif isinstance(node, cst.Attribute):
                if node.attr.value in ("first", "one", "one_or_none", "scalar_one", "scalar_one_or_none", "scalar"):
                    return None
                node = node.value
            elif isinstance(node, cst.Await):
                node = node.expression
            elif isinstance(node, cst.Subscript):
                return None  # `rows[0]`: an element, not the rows
            elif isinstance(node, cst.Name):
                return found.fetched.get(node.value)
            else:
                return None
        return None

    def _bounded(self, arg: cst.Arg | None, found: _Rows) -> bool:
        node = arg.value if arg is not None else None
        if isinstance(node, cst.Name) and node.value in found.values:
            node = found.values[node.value]
        if node is None:
            return False
        return any(
            isinstance(sub, cst.Attribute) and sub.attr.value in ("limit", "slice", "fetch")
            for sub in (node, *descendants(node))
        )

    def _rows(self, ctx: FileContext, node: cst.BaseExpression, scope, found: _Rows) -> tuple[str, bool] | None:
        """(how to name it, bounded) when `node` is fetched rows: a variable holding them, or the fetch itself."""
        if isinstance(node, cst.Name) and node.value in found.fetched:
            return node.value, found.fetched[node.value]
        bounded = self._fetch(ctx, node, scope, found)
        if bounded is None or isinstance(node, cst.Name):
            return None
        return "the query result", bounded

    # --- branches -------------------------------------------------------------------------------------

    def _loop(self, ctx: FileContext, target, iterable, body, scope, found: _Rows) -> None:
        rows = self._rows(ctx, iterable, scope, found)
        if rows is None:
            return
        label, bounded = rows
        grouped = False
        for sub in descendants(body):
            if self.db_call(ctx, sub, scope):
                method = sub.func.attr.value
                ctx.report(
                    self.rule_id,
                    sub,
                    f"`{method}()` runs one query per row of `{label}` (N+1); load the related rows with the first "
                    "query (a join or `selectinload`)",
                )
            elif not grouped and not bounded and self._groups(ctx, sub, scope, found):
                grouped = True
                ctx.report(
                    self.rule_id,
                    iterable,
                    f"the rows of `{label}` are grouped into nested lists in Python; let the database build them "
                    "(`json_agg`/`json_build_object`), or load the children with `selectinload`",
                )

    def _groups(self, ctx: FileContext, node: cst.CSTNode, scope, found: _Rows) -> bool:
        """`groups.setdefault(key, []).append(...)` or `groups[key].append(...)` on a `defaultdict`."""
        if not (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in ("append", "extend", "add")
        ):
            return False
        appended = positional(node, 0)
        if appended is None or not _builds_object(ctx, appended.value, scope):
            return False  # collecting the rows themselves (a lookup by key), not reshaping them into JSON
        receiver = node.func.value
        if (
            isinstance(receiver, cst.Call)
            and isinstance(receiver.func, cst.Attribute)
            and receiver.func.attr.value == "setdefault"
        ):
            return True
        if isinstance(receiver, cst.Subscript) and isinstance(receiver.value, cst.Name):
            value = found.values.get(receiver.value.value)
            return isinstance(value, cst.Call) and ctx.qualify(value.func, scope) == "collections.defaultdict"
        return False

    def _comprehension(self, ctx: FileContext, node, scope, found: _Rows) -> None:
        for_in = node.for_in
        rows = self._rows(ctx, for_in.iter, scope, found)
        if rows is None:
            return
        label, bounded = rows
        parts = [node.key, node.value] if isinstance(node, cst.DictComp) else [node.elt]
        for part in parts:
            for sub in (part, *descendants(part)):
                if self.db_call(ctx, sub, scope):
                    ctx.report(
                        self.rule_id,
                        sub,
                        f"`{sub.func.attr.value}()` runs one query per row of `{label}` (N+1); load the related "
                        "rows with the first query (a join or `selectinload`)",
                    )
        if bounded or for_in.inner_for_in is not None or not for_in.ifs or not isinstance(for_in.target, cst.Name):
            return
        var = for_in.target.value
        fixed = {p.name for p in scope.info.params}
        if all(_column_like(cond.test, var, fixed) for cond in for_in.ifs):
            ctx.report(
                self.rule_id,
                node,
                f"the rows of `{label}` are filtered in Python after fetching them all; move the condition into "
                "the query's `WHERE` (`.where(...)`)",
            )

    def _sorted(self, ctx: FileContext, node: cst.Call, scope, found: _Rows) -> None:
        name = ctx.qualify(node.func, scope)
        if name == "builtins.sorted":
            first = positional(node, 0)
            rows = self._rows(ctx, first.value, scope, found) if first is not None else None
        elif (
            isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "sort"
            and isinstance(node.func.value, cst.Name)
        ):
            rows = self._rows(ctx, node.func.value, scope, found)
        else:
            return
        if rows is None or rows[1]:
            return
        key = keyword_arg(node, "key")
        if key is not None and not _column_key(ctx, key.value, scope):
            return  # ranked by a function: logic SQL may not express
        ctx.report(
            self.rule_id,
            node,
            f"the rows of `{rows[0]}` are sorted in Python after fetching them all; order them in the query "
            "(`.order_by(...)`)",
        )


def _attribute_of(node: cst.BaseExpression, var: str) -> bool:
    while isinstance(node, cst.Attribute):
        node = node.value
        if isinstance(node, cst.Name):
            return node.value == var
    return False


def _column_like(node: cst.BaseExpression, var: str, fixed: set[str]) -> bool:
    """A condition the query could hold: comparisons and boolean logic over the row's columns and values known
    before the query ran (literals, the function's parameters, constants). A comparison with a loop variable
    partitions rows fetched once on purpose."""
    if isinstance(node, cst.Attribute):
        return _attribute_of(node, var)
    if isinstance(node, cst.Comparison):
        parts = [node.left, *(c.comparator for c in node.comparisons)]
        return any(isinstance(p, cst.Attribute) and _attribute_of(p, var) for p in parts) and all(
            _plain(p, var, fixed) for p in parts
        )
    if isinstance(node, cst.BooleanOperation):
        return _column_like(node.left, var, fixed) and _column_like(node.right, var, fixed)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
        return _column_like(node.expression, var, fixed)
    return False


def _plain(node: cst.BaseExpression, var: str, fixed: set[str]) -> bool:
    if isinstance(node, cst.Attribute):
        root = node.value
        while isinstance(root, cst.Attribute):
            root = root.value
        return isinstance(root, cst.Name) and (
            root.value == var or _plain(root, var, fixed) or root.value[:1].isupper()
        )
    if isinstance(node, cst.Name):
        return node.value in ("None", "True", "False") or node.value in fixed or node.value.isupper()
    if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
        return all(_plain(el.value, var, fixed) for el in node.elements)
    return isinstance(node, LITERALS)


def _builds_object(ctx: FileContext, node: cst.BaseExpression, scope) -> bool:
    """`{"id": row.id, ...}`, `dict(...)`, `row._asdict()`, `Model.model_validate(row).model_dump()`."""
    if isinstance(node, (cst.Dict, cst.DictComp)):
        return True
    if isinstance(node, cst.Call):
        if ctx.qualify(node.func, scope) == "builtins.dict":
            return True
        return isinstance(node.func, cst.Attribute) and node.func.attr.value in ("_asdict", "model_dump", "dict")
    return False


def _column_key(ctx: FileContext, node: cst.BaseExpression, scope) -> bool:
    """`key=lambda p: p.created_at` (or a tuple of columns), or `operator.attrgetter(...)`."""
    if isinstance(node, cst.Lambda):
        params = node.params.params
        if len(params) != 1:
            return False
        var = params[0].name.value
        body = node.body
        items = [el.value for el in body.elements] if isinstance(body, cst.Tuple) else [body]
        return all(isinstance(item, cst.Attribute) and _attribute_of(item, var) for item in items)
    return isinstance(node, cst.Call) and ctx.qualify(node.func, scope) == "operator.attrgetter"
