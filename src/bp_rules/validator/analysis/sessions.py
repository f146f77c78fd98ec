"""Database sessions as the project spells them: session types and factories, a receiver that is a session
(through aliases, module-level sessions and factories), and a sync session's I/O methods."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from bp_rules.validator.analysis.blocking import BlockingIndex
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import children
from bp_rules.validator.names import last
from bp_rules.validator.project import Project

SESSION_TYPES = frozenset(
    {
        "sqlalchemy.orm.Session", "sqlalchemy.orm.session.Session", "sqlalchemy.ext.asyncio.AsyncSession",
        "sqlalchemy.ext.asyncio.session.AsyncSession", "sqlmodel.Session", "sqlmodel.orm.session.Session",
        "sqlmodel.ext.asyncio.session.AsyncSession", "sqlalchemy.orm.scoped_session",
        "sqlalchemy.ext.asyncio.async_scoped_session",
    }
)  # fmt: skip


SESSION_FACTORIES = frozenset(
    {
        "sqlalchemy.orm.sessionmaker", "sqlalchemy.orm.session.sessionmaker",
        "sqlalchemy.ext.asyncio.async_sessionmaker", "sqlalchemy.ext.asyncio.session.async_sessionmaker",
        "sqlalchemy.orm.scoped_session", "sqlalchemy.ext.asyncio.async_scoped_session",
    }
)  # fmt: skip


class SessionNames:
    """Whether a qualified receiver is a database session (or a `databases.Database`), across modules."""

    def __init__(self, project: Project):
        self.project = project
        self.first_party = {m.split(".", 1)[0] for m in project.module_of} | project.config.first_party()

    def _assigned(self, name: str) -> str | None:
        module, _, var = name.rpartition(".")
        summary = self.project.module_of.get(module)
        if summary is None:
            return None
        return summary.assigned_calls.get(var)

    def session_type(self, receiver: str) -> bool:
        """`sqlalchemy.ext.asyncio.AsyncSession`, an alias of it (`src.database.DbSession`), `Factory()`."""
        if receiver in SESSION_TYPES:
            return True
        if receiver.endswith("()"):
            return self.session_factory(receiver[:-2])
        alias = self.project.alias(receiver)
        if alias is not None:
            return alias.annotation in SESSION_TYPES
        assigned = self._assigned(receiver)
        if assigned is not None:  # a module-level session: `session = SessionFactory()`
            return assigned in SESSION_TYPES or self.session_factory(assigned)
        canonical = self.project.canonical(receiver)
        if canonical in self.project.classes:
            roots = {b for b in self.project.classes[canonical][0].bases}
            return bool(roots & SESSION_TYPES)
        # an alias this run cannot see (`from src.database import DbSession`, module not given): by its name
        head = receiver.split(".", 1)[0]
        module = receiver.rpartition(".")[0]
        return head in self.first_party and module not in self.project.module_of and last(receiver).endswith("Session")

    def session_factory(self, name: str) -> bool:
        if name in SESSION_FACTORIES:
            return False  # `sessionmaker()` itself builds a factory, not a session
        assigned = self._assigned(name)
        return assigned is not None and assigned in SESSION_FACTORIES

    def module_session(self, name: str) -> bool:
        """A module-level session object: `session = SessionFactory()` or `session = Session(engine)`."""
        assigned = self._assigned(name)
        return assigned is not None and (assigned in SESSION_TYPES or self.session_factory(assigned))

    def databases_client(self, receiver: str) -> bool:
        assigned = self._assigned(receiver)
        if assigned is not None:
            return assigned in ("databases.Database", "databases.core.Database")
        module = receiver.rpartition(".")[0]
        return (
            receiver.split(".", 1)[0] in self.first_party
            and module not in self.project.module_of
            and last(receiver) == "database"
        )


SYNC_SESSION_PREFIXES = (
    "sqlalchemy.orm.Session.",
    "sqlalchemy.orm.session.Session.",
    "sqlalchemy.orm.Session().",
    "sqlalchemy.orm.session.Session().",
    "sqlalchemy.orm.sessionmaker()().",
    "sqlalchemy.orm.session.sessionmaker()().",
    "sqlalchemy.orm.scoped_session()().",
    "sqlalchemy.orm.scoped_session().",
    "sqlmodel.Session.",
    "sqlmodel.Session().",
    "sqlmodel.orm.session.Session.",
    "sqlmodel.orm.session.Session().",
)


# Session methods that talk to the database (`add`, `delete`, `close` do not, or not by themselves)
SYNC_IO_METHODS = frozenset(
    {
        "execute", "scalars", "scalar", "get", "get_one", "query", "commit", "flush", "refresh", "rollback",
        "merge", "exec", "bulk_save_objects", "bulk_insert_mappings", "bulk_update_mappings", "connection",
    }
)  # fmt: skip


def sync_session_method(index: BlockingIndex, name: str) -> str | None:
    """The I/O method of a sync `Session` that `name` calls (`execute` for `Session().execute`), or None."""
    if not name:
        return None
    for candidate in (name, index.expand(name)):
        for prefix in SYNC_SESSION_PREFIXES:
            method = candidate[len(prefix) :] if candidate.startswith(prefix) else ""
            if method in SYNC_IO_METHODS:  # a method of the session itself, not of a query it returned
                return method
    return None


ASYNC_SESSIONMAKERS = frozenset(
    {"sqlalchemy.ext.asyncio.async_sessionmaker", "sqlalchemy.ext.asyncio.session.async_sessionmaker"}
)


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


def descendants(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The nodes below `node`, not entering nested functions, classes or lambdas (they run later, if at all)."""
    stack = list(children(node))
    while stack:
        current = stack.pop()
        yield current
        if not isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            stack.extend(children(current))


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
