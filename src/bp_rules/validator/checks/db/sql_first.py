"""`db-sql-first`: the database does joins, filtering, ordering and nested-JSON building, not a Python loop
over fetched rows."""

from __future__ import annotations

import libcst as cst

from bp_rules.validator.analysis.migration_files import is_migration
from bp_rules.validator.analysis.sessions import SESSIONMAKERS, descendants, session_factory_call
from bp_rules.validator.analysis.statements import call_last
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import keyword_arg, positional
from bp_rules.validator.registry import FileCheck, register

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
