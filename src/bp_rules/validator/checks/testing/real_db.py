"""`testing-real-db`: tests run against a real database, not a mocked session."""

from __future__ import annotations

import libcst as cst

from bp_rules.validator.analysis.testing import (
    Target,
    app_roots,
    fact_dicts,
    goes_through_app,
    name_of,
    node_code,
    override_target,
    record_fact,
    record_patches,
    span_of_fact,
)
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import dotted
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register
from bp_rules.validator.summary import Function

MOCK_FACTORIES = frozenset(
    f"{module}.{name}"
    for module in ("unittest.mock", "mock", "pytest_mock.MockerFixture", "pytest_mock.MockFixture", "mocker")
    for name in ("Mock", "MagicMock", "AsyncMock", "NonCallableMock", "NonCallableMagicMock", "create_autospec")
)


SESSION_TARGETS = (
    "sqlalchemy.ext.asyncio.AsyncSession", "sqlalchemy.ext.asyncio.session.AsyncSession", "sqlalchemy.orm.Session",
    "sqlalchemy.orm.session.Session", "sqlalchemy.ext.asyncio.create_async_engine", "sqlalchemy.create_engine",
    "sqlalchemy.ext.asyncio.AsyncEngine", "sqlalchemy.engine.Engine", "sqlalchemy.ext.asyncio.async_sessionmaker",
    "sqlalchemy.orm.sessionmaker", "sqlmodel.Session", "sqlmodel.ext.asyncio.session.AsyncSession",
)  # fmt: skip


# a patched service function named like a read query (`list_posts`, `get_by_id`) fakes the data a route serves
QUERY_VERBS = frozenset(
    {"get", "list", "find", "search", "count", "fetch", "query", "select", "read", "load", "exists", "filter",
     "paginate", "all", "lookup", "retrieve"}
)  # fmt: skip


NOT_DB_WORDS = frozenset({"http", "client", "redis", "aiohttp", "requests", "cache", "browser", "user", "auth"})


def _db_function(fn: Function) -> bool:
    """A function that talks to the database: takes a session or connection, or calls SQLAlchemy."""
    for param in fn.params:
        words = set(param.name.lower().split("_"))
        annotation = param.annotation
        if annotation.startswith(("sqlalchemy.", "sqlmodel.")) or name_of(annotation).endswith(
            ("Session", "Connection", "AsyncConnection")
        ):
            return True
        if words & {"session", "db", "conn", "connection"} and not words & NOT_DB_WORDS:
            return True
    return any(c.name.startswith(("sqlalchemy.", "sqlmodel.")) for c in fn.calls)


def _db_dependency_name(name: str) -> bool:
    words = set(name_of(name).lower().split("_"))
    if words & NOT_DB_WORDS:
        return False
    return bool(words & {"db", "database", "sql", "sessionmaker", "uow"}) or name_of(name).lower().endswith(
        ("session", "_db")
    )


def _mock_factory(ctx: FileContext, node: cst.BaseExpression, scope) -> bool:
    return ctx.qualify(node, scope) in MOCK_FACTORIES or (dotted(node) or "") in MOCK_FACTORIES


def _mock_value(ctx: FileContext, value: cst.BaseExpression, scope) -> bool:
    """`AsyncMock()`, `lambda: AsyncMock()`, the mock class itself, or a local made from one."""
    if isinstance(value, cst.Lambda):
        value = value.body
    if isinstance(value, cst.Call):
        return _mock_factory(ctx, value.func, scope)
    if not isinstance(value, (cst.Name, cst.Attribute)):
        return False
    if _mock_factory(ctx, value, scope):
        return True
    if isinstance(value, cst.Name) and scope is not None and value.value in scope.types:
        made = scope.types[value.value].removesuffix("()")
        return ctx.indexer.qualify(made, scope) in MOCK_FACTORIES or made in MOCK_FACTORIES
    return False


@register
class RealDatabaseFacts(FileCheck):
    rule_id = "testing-real-db"
    node_types = (cst.Call, cst.Assign)

    def check(self, ctx: FileContext) -> None:
        record_patches(ctx, self.rule_id)
        for node, scope in ctx.nodes(cst.Assign):
            for target in node.targets:
                found = override_target(target.target)
                if found is None or not _mock_value(ctx, node.value, scope):
                    continue
                key = found[1]
                record_fact(
                    ctx,
                    self.rule_id,
                    {
                        "kind": "override",
                        "span": ctx.fact_span(node),
                        "key": ctx.qualify(key, scope) or node_code(key),
                        "key_text": node_code(key),
                    },
                )


@register
class RealDatabase(ProjectCheck):
    rule_id = "testing-real-db"

    def check(self, project: Project) -> None:
        roots = app_roots(project)
        for path, summary in sorted(project.summaries.items()):
            for fact in fact_dicts(summary, self.rule_id):
                if fact.get("kind") == "override":
                    message = self._override(project, fact)
                elif fact.get("kind") == "patch" and goes_through_app(summary, fact["scope"]):
                    message = self._patch(project, Target(project, fact["target"], roots), roots)
                else:
                    message = None
                if message:
                    project.report(self.rule_id, path, span_of_fact(fact), message)

    @staticmethod
    def _override(project: Project, fact: dict) -> str | None:
        found = project.function(fact["key"])
        if found is not None:
            db = _db_function(found[0]) or _db_dependency_name(found[0].name)
        else:
            db = _db_dependency_name(fact["key"])
        if not db:
            return None
        return (
            f"`{fact['key_text']}` is overridden with a mock, so the routes under test never run their SQL; "
            "override it with a session bound to a real test database, rolled back after each test"
        )

    @staticmethod
    def _patch(project: Project, target: Target, roots: set[str]) -> str | None:
        fix = "run the test against a real test database (override `get_db` with a rolled-back session) instead"
        if any(target.final == t or target.final.startswith(f"{t}.") for t in SESSION_TARGETS):
            return f"patching `{target.target}` mocks the database in a test that goes through the app; {fix}"
        if target.target.split(".", 1)[0] not in roots:
            return None
        via = target.via("service")
        if via is None or not via[1] or target.allowed(via[1]):
            return None
        if name_of(target.target).split("_", 1)[0].lower() not in QUERY_VERBS:
            return None  # a write, a job, an external call: stubbing a side effect is not mocking the database
        fn = target.function()
        if fn is not None and not _db_function(fn):
            return None
        if fn is None and project.module_of.get(via[0]) is not None:
            return None  # a known service module, but not a function that takes a session
        return (
            f"patching `{target.target}` replaces the service's query in a test that goes through the app, so its "
            f"SQL never runs; {fix}"
        )
