"""`db-async-session-factory`: sessions come from `async_sessionmaker(engine, expire_on_commit=False)`, the
engine pings its pool, and each session is yielded from an `async with` block."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from bp_rules.validator.analysis.sessions import ASYNC_SESSIONMAKERS, SESSIONMAKERS, descendants, session_factory_call
from bp_rules.validator.analysis.statements import call_last
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import keyword_arg
from bp_rules.validator.registry import FileCheck, register
from bp_rules.validator.summary import Function

FACTORY_CALLS = frozenset({"async_sessionmaker", "sessionmaker", "create_async_engine"})


ASYNC_ENGINES = frozenset(
    {"sqlalchemy.ext.asyncio.create_async_engine", "sqlalchemy.ext.asyncio.engine.create_async_engine"}
)


def _is_literal_true(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"


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
