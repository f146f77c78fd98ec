"""`testing-async-client-day0`: tests call the app through an async client from day one."""

from __future__ import annotations

from pathlib import PurePosixPath

import libcst as cst

from bp_rules.validator.analysis.testing import TEST_CLIENTS, fact_dicts, is_test_file, record_fact
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import keyword_arg, positional
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register

APP_FACTORIES = frozenset({"fastapi.FastAPI", "fastapi.applications.FastAPI", "starlette.applications.Starlette"})


ASYNC_DB = (
    "sqlalchemy.ext.asyncio", "sqlmodel.ext.asyncio", "asyncpg", "motor", "tortoise", "databases", "beanie",
    "aiosqlite", "aiomysql", "psycopg.AsyncConnection", "psycopg_pool.AsyncConnectionPool",
)  # fmt: skip


@register
class AsyncClientFacts(FileCheck):
    """Records why a test file may keep `TestClient`: WebSocket tests, or only apps the tests build themselves."""

    rule_id = "testing-async-client-day0"
    node_types = (cst.Call,)

    def check(self, ctx: FileContext) -> None:
        clients = []
        for node, scope in ctx.nodes(cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value == "websocket_connect":
                record_fact(ctx, self.rule_id, {"kind": "websocket"})
                return
            if ctx.qualify(func, scope) in TEST_CLIENTS:
                clients.append((node, scope))
        if clients and all(self._own_app(ctx, node, scope) for node, scope in clients):
            record_fact(ctx, self.rule_id, {"kind": "own-app"})

    @staticmethod
    def _own_app(ctx: FileContext, node: cst.Call, scope) -> bool:
        """`TestClient(app)` on an `app = FastAPI()` the test builds: no database, nothing shared with fixtures."""
        arg = keyword_arg(node, "app") or positional(node, 0)
        if arg is None or not isinstance(arg.value, cst.Name):
            return False
        name = arg.value.value
        if scope is not None and name in scope.types:
            made = ctx.indexer.qualify(scope.types[name].removesuffix("()"), scope)
        elif scope is None or name not in scope.locals:
            made = ctx.summary.assigned_calls.get(name, "")
        else:
            return False
        return made in APP_FACTORIES


@register
class AsyncClientDay0(ProjectCheck):
    rule_id = "testing-async-client-day0"

    def check(self, project: Project) -> None:
        evidence = self._async_db(project)
        if evidence is None:
            return
        kinds = {
            path: {f.get("kind") for f in fact_dicts(summary, self.rule_id)}
            for path, summary in project.summaries.items()
        }
        folders = {PurePosixPath(path).parent for path, found in kinds.items() if "websocket" in found}
        for path, summary in sorted(project.summaries.items()):
            here = PurePosixPath(path)
            if not is_test_file(project, path) or kinds.get(path):
                continue  # WebSocket tests (httpx cannot drive them), or only apps the tests build themselves
            if here.name == "conftest.py" and any(f == here.parent or here.parent in f.parents for f in folders):
                continue  # the fixture those WebSocket tests use
            for imp in summary.imports:
                if imp.module in TEST_CLIENTS:
                    project.report(
                        self.rule_id,
                        path,
                        imp.span,
                        f"sync `TestClient` runs the app on another event loop than the project's async database "
                        f"access ({evidence}); test through `AsyncClient(transport=ASGITransport(app=app))` from an "
                        "async fixture",
                    )

    @staticmethod
    def _async_db(project: Project) -> str | None:
        migrations = tuple(f"{d}/" for d in project.config.migrations_dirs)
        for path, summary in sorted(project.summaries.items()):
            if is_test_file(project, path) or path.startswith(migrations) or "/migrations/" in path:
                continue
            for imp in summary.imports:
                if any(imp.module == m or imp.module.startswith(f"{m}.") for m in ASYNC_DB):
                    return f"`{imp.module}` in {path}"
        return None
