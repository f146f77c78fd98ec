"""Test checks: an async client from day one, dependency overrides instead of patches, overrides removed on
teardown, and a real database behind the tests that go through the app.

Each rule has a file check, run on test files (the record's `applies_to`), that records what only the syntax
tree shows in `summary.facts[rule_id]`, and a project check that decides with the whole project in view:
whether the app's database access is async, which functions are dependencies or provide clients, which
fixtures clear the overrides (pytest's conftest.py visibility), what a patch target resolves to.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

import libcst as cst

from bp_rules.validator.context import FileContext, placement
from bp_rules.validator.indexer import dotted, keyword_arg, positional, string_value
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register
from bp_rules.validator.summary import FileSummary, Function

TEST_CLIENTS = frozenset({"fastapi.testclient.TestClient", "starlette.testclient.TestClient"})
APP_FACTORIES = frozenset({"fastapi.FastAPI", "fastapi.applications.FastAPI", "starlette.applications.Starlette"})
HTTP_CLIENTS = TEST_CLIENTS | {"httpx.AsyncClient", "httpx.Client"}
HTTP_CLIENT_PARAMS = frozenset({"client", "async_client", "test_client", "api_client", "http_client"})
ASYNC_DB = (
    "sqlalchemy.ext.asyncio", "sqlmodel.ext.asyncio", "asyncpg", "motor", "tortoise", "databases", "beanie",
    "aiosqlite", "aiomysql", "psycopg.AsyncConnection", "psycopg_pool.AsyncConnectionPool",
)  # fmt: skip
XUNIT_TEARDOWNS = frozenset(
    {"teardown_method", "teardown_function", "teardown_class", "teardown_module", "tearDown", "asyncTearDown",
     "tearDownClass", "teardown"}
)  # fmt: skip
FIXTURE_DECORATORS = frozenset({"pytest.fixture", "pytest_asyncio.fixture", "fixture"})
MOCK_FACTORIES = frozenset(
    f"{module}.{name}"
    for module in ("unittest.mock", "mock", "pytest_mock.MockerFixture", "pytest_mock.MockFixture", "mocker")
    for name in ("Mock", "MagicMock", "AsyncMock", "NonCallableMock", "NonCallableMagicMock", "create_autospec")
)
SETATTR = frozenset({"pytest.MonkeyPatch.setattr", "_pytest.monkeypatch.MonkeyPatch.setattr", "monkeypatch.setattr"})
PATCH = frozenset(
    {"unittest.mock.patch", "mock.patch", "mocker.patch", "pytest_mock.MockerFixture.patch",
     "pytest_mock.MockFixture.patch"}
)  # fmt: skip
PATCH_OBJECT = frozenset(f"{p}.object" for p in PATCH)
# what a test may patch through any module: time, ids, randomness, environment, settings, logging
ALLOWED_MODULES = ("time", "datetime", "uuid", "random", "secrets", "os", "logging", "zoneinfo")
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


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def _record(ctx: FileContext, rule_id: str, fact: dict) -> None:
    ctx.summary.facts.setdefault(rule_id, []).append(fact)


def _facts(summary: FileSummary, rule_id: str) -> list[dict]:
    return [f for f in summary.facts.get(rule_id, []) if isinstance(f, dict)]


def _span(fact: dict):
    return tuple(fact["span"])


def _name_of(qualified: str) -> str:
    return qualified.rsplit(".", 1)[-1]


# --- phase 1: the syntax of overrides, cleanups and patches -------------------------------------------------


def _overrides_receiver(node: cst.BaseExpression | None) -> cst.BaseExpression | None:
    """`X` when the node is `X.dependency_overrides`."""
    if isinstance(node, cst.Attribute) and node.attr.value == "dependency_overrides":
        return node.value
    return None


def _override_target(target: cst.BaseExpression) -> tuple[cst.BaseExpression, cst.BaseExpression] | None:
    """(receiver, key) when the target is `X.dependency_overrides[key]`."""
    if not isinstance(target, cst.Subscript) or len(target.slice) != 1:
        return None
    receiver = _overrides_receiver(target.value)
    index = target.slice[0].slice
    if receiver is None or not isinstance(index, cst.Index):
        return None
    return receiver, index.value


def _cleanup_call(node: cst.BaseExpression | None) -> str | None:
    """`"*"` for `X.dependency_overrides.clear()`, the key's code for `.pop(key, ...)`, else None."""
    if isinstance(node, cst.Await):
        node = node.expression
    if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
        return None
    if _overrides_receiver(node.func.value) is None:
        return None
    method = node.func.attr.value
    if method == "clear":
        return "*"
    if method == "pop":
        key = positional(node, 0)
        return _code(key.value) if key is not None else None
    return None


def _deferred_cleanup(node: cst.Call) -> str | None:
    """A cleanup handed to a finalizer: `request.addfinalizer(app.dependency_overrides.clear)`, a lambda."""
    for arg in node.args:
        value = arg.value
        if isinstance(value, cst.Lambda):
            found = _cleanup_call(value.body)
            if found:
                return found
        cleanup = isinstance(value, cst.Attribute) and value.attr.value in ("clear", "pop")
        if cleanup and _overrides_receiver(value.value) is not None:
            return "*"
    return None


class _Events:
    """Overrides set and removed in one function, in execution order (statements only, no expression walk)."""

    def __init__(self):
        self.after_yield = False
        self.sets: list[tuple[int, cst.CSTNode, cst.BaseExpression, str]] = []  # (order, stmt, receiver, key)
        self.cleanups: list[tuple[int, str, bool]] = []  # (order, key or "*", after yield or in a finally)
        self.deferred: set[str] = set()  # keys (or "*") removed by a finalizer or a nested function
        self.order = 0

    def block(self, block: cst.BaseSuite | None, in_finally: bool) -> None:
        if isinstance(block, cst.SimpleStatementSuite):
            for small in block.body:
                self.small(small, in_finally)
            return
        if not isinstance(block, cst.IndentedBlock):
            return
        for stmt in block.body:
            self.statement(stmt, in_finally)

    def statement(self, stmt: cst.BaseStatement, in_finally: bool) -> None:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                self.small(small, in_finally)
        elif isinstance(stmt, (cst.Try, cst.TryStar)):
            self.block(stmt.body, in_finally)
            for handler in stmt.handlers:
                self.block(handler.body, in_finally)
            if stmt.orelse is not None:
                self.block(stmt.orelse.body, in_finally)
            if stmt.finalbody is not None:
                self.block(stmt.finalbody.body, True)
        elif isinstance(stmt, cst.If):
            self.block(stmt.body, in_finally)
            orelse = stmt.orelse
            if isinstance(orelse, cst.If):
                self.statement(orelse, in_finally)
            elif orelse is not None:
                self.block(orelse.body, in_finally)
        elif isinstance(stmt, (cst.For, cst.While)):
            self.block(stmt.body, in_finally)
            if stmt.orelse is not None:
                self.block(stmt.orelse.body, in_finally)
        elif isinstance(stmt, cst.With):
            self.block(stmt.body, in_finally)
        elif isinstance(stmt, cst.Match):
            for case in stmt.cases:
                self.block(case.body, in_finally)
        elif isinstance(stmt, cst.FunctionDef):
            inner = _Events()
            inner.block(stmt.body, False)
            self.deferred.update(key for _, key, _ in inner.cleanups)  # a finalizer defined here

    def small(self, small: cst.BaseSmallStatement, in_finally: bool) -> None:
        self.order += 1
        proper = self.after_yield or in_finally
        if isinstance(small, cst.Expr):
            value = small.value.expression if isinstance(small.value, cst.Await) else small.value
            if isinstance(value, cst.Yield):
                self.after_yield = True
                return
            key = _cleanup_call(value)
            if key is not None:
                self.cleanups.append((self.order, key, proper))
            elif isinstance(value, cst.Call):
                func = value.func
                if isinstance(func, cst.Attribute) and func.attr.value in ("update", "setdefault"):
                    receiver = _overrides_receiver(func.value)
                    if receiver is not None:
                        self.sets.append((self.order, small, receiver, "*"))
                        return
                deferred = _deferred_cleanup(value)
                if deferred:
                    self.deferred.add(deferred)
        elif isinstance(small, (cst.Assign, cst.AnnAssign)):
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
            for target in targets:
                found = _override_target(target)
                if found is not None:
                    self.sets.append((self.order, small, found[0], _code(found[1])))
                elif _overrides_receiver(target) is not None:  # `app.dependency_overrides = {}`
                    self.cleanups.append((self.order, "*", proper))
            if isinstance(small.value, cst.Yield):
                self.after_yield = True
        elif isinstance(small, cst.Del):
            targets = small.target.elements if isinstance(small.target, cst.Tuple) else [small.target]
            for element in targets:
                target = element.value if isinstance(element, cst.Element) else element
                found = _override_target(target)
                if found is not None:
                    self.cleanups.append((self.order, _code(found[1]), proper))

    def status(self, order: int, key: str) -> str:
        """`clean`, `late` (removed only at the end, which a failure skips) or `leak`."""
        if "*" in self.deferred or key in self.deferred:
            return "clean"
        late = False
        for when, removed, proper in self.cleanups:
            if when > order and removed in ("*", key):
                if proper:
                    return "clean"
                late = True
        return "late" if late else "leak"

    def clears_all(self) -> bool:
        return "*" in self.deferred or any(key == "*" and proper for _, key, proper in self.cleanups)


def _fixture(ctx: FileContext, node: cst.FunctionDef, scope) -> tuple[bool, bool]:
    """(is a pytest fixture, autouse)."""
    for decorator in node.decorators:
        expr = decorator.decorator
        func = expr.func if isinstance(expr, cst.Call) else expr
        if dotted(func) in FIXTURE_DECORATORS or ctx.qualify(func, scope) in FIXTURE_DECORATORS:
            autouse = keyword_arg(expr, "autouse") if isinstance(expr, cst.Call) else None
            return True, autouse is not None and _code(autouse.value) == "True"
    return False, False


def _usefixtures(decorators) -> list[str]:
    names = []
    for decorator in decorators:
        expr = decorator.decorator
        if isinstance(expr, cst.Call) and (dotted(expr.func) or "").endswith("mark.usefixtures"):
            names += [s for s in (string_value(a.value) for a in expr.args) if s]
    return names


def _local_app(ctx: FileContext, receiver: cst.BaseExpression, scope) -> bool:
    """An app built by the test itself (`app = FastAPI()` in the function or the test module): nothing leaks."""
    if not isinstance(receiver, cst.Name):
        return False
    name = receiver.value
    if scope is None:
        return name in ctx.summary.assigned_calls
    params = scope.node.params
    if any(p.name.value == name for p in (*params.posonly_params, *params.params, *params.kwonly_params)):
        return False
    return name in scope.types


def _where(fn: Function | None, is_fixture: bool, path: str) -> str:
    if fn is None:
        return f"{PurePosixPath(path).name} at import time"
    if is_fixture:
        return f"fixture `{fn.name}`"
    return f"test `{fn.name}`" if fn.name.startswith("test") else f"function `{fn.name}`"


def _patch_target(ctx: FileContext, node: cst.Call, scope) -> str | None:
    """The dotted name a `monkeypatch.setattr`, `patch(...)` or `patch.object(...)` call replaces."""
    func = node.func
    raw = dotted(func) or ""
    if not raw.endswith(("setattr", "patch", ".object")):
        return None
    qualified = ctx.qualify(func, scope) or raw  # an unannotated `monkeypatch`/`mocker` fixture stays as written
    if qualified in SETATTR:
        first, second = positional(node, 0), positional(node, 1)
        if first is None:
            return None
        text = string_value(first.value)
        if text is not None:
            return text if "." in text else None  # `monkeypatch.setattr("pkg.module.attr", value)`
        attribute = string_value(second.value) if second is not None else None
        owner = ctx.qualify(first.value, scope)
        return f"{owner}.{attribute}" if owner and attribute else None
    if qualified in PATCH:
        arg = keyword_arg(node, "target") or positional(node, 0)
        return string_value(arg.value) if arg is not None else None
    if qualified in PATCH_OBJECT:
        first = positional(node, 0)
        second = keyword_arg(node, "attribute") or positional(node, 1)
        attribute = string_value(second.value) if second is not None else None
        owner = ctx.qualify(first.value, scope) if first is not None else ""
        return f"{owner}.{attribute}" if owner and attribute else None
    return None


def _record_patches(ctx: FileContext, rule_id: str) -> None:
    for node, scope in ctx.nodes(cst.Call):
        target = _patch_target(ctx, node, scope)
        if target:
            fn = scope.info if scope is not None else None
            _record(
                ctx,
                rule_id,
                {"kind": "patch", "span": ctx.fact_span(node), "target": target, "scope": fn.qualname if fn else ""},
            )


# --- phase 2: what the project says -----------------------------------------------------------------------


def _is_test_file(project: Project, path: str) -> bool:
    return placement(path, project.config).in_tests or PurePosixPath(path).name == "conftest.py"


def _uses_http_client(fn: Function) -> bool:
    return any(p.name in HTTP_CLIENT_PARAMS or p.annotation in HTTP_CLIENTS for p in fn.params) or any(
        c.name in HTTP_CLIENTS for c in fn.calls
    )


def _goes_through_app(summary: FileSummary, scope: str) -> bool:
    """Whether the patching code tests through the HTTP client: its test function takes or builds one, or
    (for fixtures, helpers and decorators) its file does; tests under an `integration` folder always do."""
    if "integration" in PurePosixPath(summary.path).parts:
        return True
    fn = next((f for f in summary.functions if f.qualname == scope), None)
    if fn is not None and fn.name.startswith("test"):
        return _uses_http_client(fn)
    return any(_uses_http_client(f) for f in summary.functions) or any(
        c.name in HTTP_CLIENTS for c in summary.module_calls
    )


def _role_stems(project: Project, role: str) -> set[str]:
    return {name.removesuffix(".py") for name in project.config.role_files.get(role, ())}


def _app_roots(project: Project) -> set[str]:
    roots = project.config.first_party()
    for path, summary in project.summaries.items():
        if not _is_test_file(project, path) and "." in summary.module:
            roots.add(summary.module.split(".", 1)[0])
    return roots


class _Target:
    """A patch target followed through the project's modules and their imports.

    `src.auth.dependencies.jwt.decode` gives final `jwt.decode`, through [`src.auth.dependencies`]. A module
    the project does not contain is split at the first segment named like a role file (`dependencies`).
    """

    def __init__(self, project: Project, target: str, roots: set[str]):
        self.project = project
        self.roots = roots
        self.target = target
        self.final = target
        self.through: list[tuple[str, str | None, list[str]]] = []  # (module, its role, the rest of the name)
        name = target
        for _ in range(5):
            parts = name.split(".")
            summary = None
            for i in range(len(parts) - 1, 0, -1):
                summary = project.module_of.get(".".join(parts[:i]))
                if summary is not None:
                    break
            if summary is None:
                self.final = name
                self._unknown(parts)
                return
            rest = parts[i:]
            role = project.config.role_of(PurePosixPath(summary.path).name)
            self.through.append((summary.module, role, rest))
            head = rest[0]
            binding = next(
                (imp.module for imp in summary.imports if imp.local == head and not imp.in_function and not imp.star),
                None,
            )
            if binding is None:
                instance = summary.assigned_calls.get(head)
                self.final = ".".join([summary.module, *rest])
                if instance and len(rest) > 1 and project.canonical(instance) in project.classes:
                    self.final = ".".join([project.canonical(instance), *rest[1:]])  # `x_service.create`
                return
            name = ".".join([binding, *rest[1:]])
        self.final = name

    def _unknown(self, parts: list[str]) -> None:
        if not self.through and parts[0] in self.roots:
            for role in ("dependencies", "service", "config"):
                stems = _role_stems(self.project, role)
                for k in range(1, len(parts) - 1):
                    if parts[k] in stems:
                        self.through.append((".".join(parts[: k + 1]), role, parts[k + 1 :]))
                        return

    def via(self, role: str) -> tuple[str, list[str]] | None:
        """The first module of a role the target went through, with the rest of the name after it."""
        for module, found, rest in self.through:
            if found == role:
                return module, rest
        return None

    def allowed(self, rest: list[str]) -> bool:
        """Time, ids, randomness, environment, settings and logging may be patched through any module."""
        head = rest[0].lower() if rest else ""
        if head in ALLOWED_MODULES or "settings" in head or "config" in head or head in ("logger", "log"):
            return True
        if self.final.split(".", 1)[0] in ALLOWED_MODULES:
            return True
        return any(role == "config" for _, role, _ in self.through)

    def function(self) -> Function | None:
        found = self.project.function(self.final)
        return found[0] if found else None


def _dependency_functions(project: Project) -> Iterator[Function]:
    """Dependencies (B2) and the functions of dependencies modules."""
    for fn, summary in project.functions.values():
        if project.is_dependency(fn) or (
            project.config.role_of(PurePosixPath(summary.path).name) == "dependencies" and not fn.in_class
        ):
            yield fn


def _provided(project: Project, roots: set[str]) -> dict[str, str]:
    """The app's classes a dependency constructs (the clients it provides) -> the dependency's name."""
    out: dict[str, str] = {}
    for fn in _dependency_functions(project):
        for call in fn.calls:
            if call.nested or not call.name or call.name.endswith("()") or "()." in call.name:
                continue
            name = project.canonical(call.name)
            if _is_exception(project, name):
                continue  # raised, not provided
            if name in project.classes or (name.split(".", 1)[0] in roots and _name_of(name)[:1].isupper()):
                out.setdefault(name, fn.name)
    return out


def _is_exception(project: Project, name: str, depth: int = 0) -> bool:
    if _name_of(name).endswith(("Error", "Exception")) or name in ("builtins.Exception", "builtins.BaseException"):
        return True
    found = project.classes.get(project.canonical(name))
    return found is not None and depth < 6 and any(_is_exception(project, b, depth + 1) for b in found[0].bases)


def _db_function(fn: Function) -> bool:
    """A function that talks to the database: takes a session or connection, or calls SQLAlchemy."""
    for param in fn.params:
        words = set(param.name.lower().split("_"))
        annotation = param.annotation
        if annotation.startswith(("sqlalchemy.", "sqlmodel.")) or _name_of(annotation).endswith(
            ("Session", "Connection", "AsyncConnection")
        ):
            return True
        if words & {"session", "db", "conn", "connection"} and not words & NOT_DB_WORDS:
            return True
    return any(c.name.startswith(("sqlalchemy.", "sqlmodel.")) for c in fn.calls)


def _db_dependency_name(name: str) -> bool:
    words = set(_name_of(name).lower().split("_"))
    if words & NOT_DB_WORDS:
        return False
    return bool(words & {"db", "database", "sql", "sessionmaker", "uow"}) or _name_of(name).lower().endswith(
        ("session", "_db")
    )


# --- testing-async-client-day0 ------------------------------------------------------------------------------


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
                _record(ctx, self.rule_id, {"kind": "websocket"})
                return
            if ctx.qualify(func, scope) in TEST_CLIENTS:
                clients.append((node, scope))
        if clients and all(self._own_app(ctx, node, scope) for node, scope in clients):
            _record(ctx, self.rule_id, {"kind": "own-app"})

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
            path: {f.get("kind") for f in _facts(summary, self.rule_id)} for path, summary in project.summaries.items()
        }
        folders = {PurePosixPath(path).parent for path, found in kinds.items() if "websocket" in found}
        for path, summary in sorted(project.summaries.items()):
            here = PurePosixPath(path)
            if not _is_test_file(project, path) or kinds.get(path):
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
            if _is_test_file(project, path) or path.startswith(migrations) or "/migrations/" in path:
                continue
            for imp in summary.imports:
                if any(imp.module == m or imp.module.startswith(f"{m}.") for m in ASYNC_DB):
                    return f"`{imp.module}` in {path}"
        return None


# --- testing-clear-overrides --------------------------------------------------------------------------------


@register
class ClearOverridesFacts(FileCheck):
    rule_id = "testing-clear-overrides"
    node_types = (cst.Assign, cst.Call, cst.Del)

    def check(self, ctx: FileContext) -> None:
        scopes = {}
        for node, scope in ctx.nodes(cst.Assign):
            for target in node.targets:
                found = _override_target(target.target)
                if found is None:
                    continue
                if scope is not None:
                    scopes[scope.info.qualname] = scope
                elif not _local_app(ctx, found[0], None):
                    self._leak(ctx, None, False, node, found[0], _code(found[1]), "leak", [])
        for node, scope in ctx.nodes(cst.Call):
            func = node.func
            cleanup = isinstance(func, cst.Attribute) and func.attr.value in ("clear", "pop")
            if scope is not None and cleanup and _overrides_receiver(func.value) is not None:
                scopes[scope.info.qualname] = scope
        for node, scope in ctx.nodes(cst.Del):
            if scope is not None and _overrides_receiver(getattr(node.target, "value", None)) is not None:
                scopes[scope.info.qualname] = scope
        for scope in scopes.values():
            self._function(ctx, scope)

    def _function(self, ctx: FileContext, scope) -> None:
        fn, node = scope.info, scope.node
        events = _Events()
        events.block(node.body, False)
        is_fixture, autouse = _fixture(ctx, node, scope.parent)
        if is_fixture and events.clears_all():
            _record(ctx, self.rule_id, {"kind": "clearer", "name": fn.name, "autouse": autouse, "cls": fn.in_class})
        if fn.name in XUNIT_TEARDOWNS and (events.cleanups or events.deferred):
            # `teardown_method` / `tearDown` runs after every test of its class or module, like an autouse fixture
            _record(ctx, self.rule_id, {"kind": "clearer", "name": fn.name, "autouse": True, "cls": fn.in_class})
        requests = [p.name for p in fn.params if p.name not in ("self", "cls")] + _usefixtures(node.decorators)
        if fn.in_class and fn.in_class in ctx.indexer.class_nodes:
            requests += _usefixtures(ctx.indexer.class_nodes[fn.in_class].decorators)
        for order, stmt, receiver, key in events.sets:
            status = events.status(order, key)
            if status != "clean" and not _local_app(ctx, receiver, scope):
                self._leak(ctx, fn, is_fixture, stmt, receiver, key, status, requests)

    def _leak(self, ctx, fn, is_fixture, stmt, receiver, key, status, requests) -> None:
        _record(
            ctx,
            self.rule_id,
            {
                "kind": "leak",
                "span": ctx.fact_span(stmt),
                "where": _where(fn, is_fixture, ctx.path),
                "cls": fn.in_class if fn is not None else None,
                "receiver": _code(receiver),
                "key": key,
                "status": status,
                "requests": requests,
                "helper": fn is not None and not is_fixture and not fn.name.startswith("test"),
            },
        )


class _Fixtures:
    """pytest's fixture visibility: a test sees its class's, its module's, then conftest.py's up the tree."""

    def __init__(self, project: Project, rule_id: str):
        self.by_file: dict[str, dict[tuple[str | None, str], Function]] = {}
        self.clearers: set[tuple[str, str | None, str]] = set()  # (path, class, fixture name)
        self.autouse: list[tuple[str, str | None]] = []  # (path, class) of autouse clearers
        for path, summary in project.summaries.items():
            fixtures = {
                (fn.in_class, fn.name): fn
                for fn in summary.functions
                if not fn.nested and any(d in FIXTURE_DECORATORS for d in fn.decorators)
            }
            if fixtures:
                self.by_file[path] = fixtures
            for fact in _facts(summary, rule_id):
                if fact.get("kind") == "clearer":
                    self.clearers.add((path, fact["cls"], fact["name"]))
                    if fact["autouse"]:
                        self.autouse.append((path, fact["cls"]))

    @staticmethod
    def _conftests(path: str) -> Iterator[str]:
        for folder in PurePosixPath(path).parents:
            yield "conftest.py" if str(folder) == "." else f"{folder}/conftest.py"

    def autouse_clears(self, path: str, cls: str | None) -> bool:
        for where, in_class in self.autouse:
            if where == path and in_class in (None, cls):
                return True
            if in_class is None and where in self._conftests(path):
                return True
        return False

    def any_clearer_visible(self, path: str) -> bool:
        conftests = set(self._conftests(path))
        return any(where == path or where in conftests for where, _, _ in self.clearers)

    def find(self, name: str, path: str, cls: str | None) -> tuple[str, Function] | None:
        own = self.by_file.get(path, {})
        for key in ((cls, name), (None, name)):
            if key in own:
                return path, own[key]
        for conftest in self._conftests(path):
            fn = self.by_file.get(conftest, {}).get((None, name))
            if fn is not None:
                return conftest, fn
        return None

    def requested_clearer(self, names: list[str], path: str, cls: str | None) -> bool:
        """Whether a requested fixture, or one it requests in turn, clears every override on teardown."""
        queue = [(n, path, cls) for n in names]
        seen: set[tuple[str, str]] = set()
        while queue and len(seen) < 200:
            name, where, in_class = queue.pop()
            found = self.find(name, where, in_class)
            if found is None or (found[0], found[1].qualname) in seen:
                continue
            seen.add((found[0], found[1].qualname))
            fixture_path, fixture = found
            if (fixture_path, fixture.in_class, fixture.name) in self.clearers:
                return True
            queue += [(p.name, fixture_path, fixture.in_class) for p in fixture.params if p.name not in ("self",)]
        return False


@register
class ClearOverrides(ProjectCheck):
    rule_id = "testing-clear-overrides"

    def check(self, project: Project) -> None:
        fixtures: _Fixtures | None = None
        for path, summary in sorted(project.summaries.items()):
            for fact in _facts(summary, self.rule_id):
                if fact.get("kind") != "leak":
                    continue
                fixtures = fixtures or _Fixtures(project, self.rule_id)
                if fixtures.autouse_clears(path, fact["cls"]):
                    continue
                if fixtures.requested_clearer(fact["requests"], path, fact["cls"]):
                    continue
                if fact.get("helper") and fixtures.any_clearer_visible(path):
                    continue  # a helper the tests call: the clearing fixture they use is out of sight
                override = f"`{fact['receiver']}.dependency_overrides[{fact['key']}]`"
                if fact["key"] == "*":
                    override = f"`{fact['receiver']}.dependency_overrides.update(...)`"
                key = fact["key"] if fact["key"] != "*" else "dep"
                if fact["status"] == "late":
                    message = (
                        f"{override} set in {fact['where']} is removed only at its end, which a failing assertion "
                        "skips; remove it in a `finally` or after the fixture's `yield`"
                    )
                else:
                    message = (
                        f"{override} set in {fact['where']} is never removed, so it leaks into later tests; remove "
                        f"it after `yield` or in a `finally` (`.pop({key}, None)` or `.clear()`)"
                    )
                project.report(self.rule_id, path, _span(fact), message)


# --- testing-dependency-overrides ---------------------------------------------------------------------------


@register
class DependencyOverridesFacts(FileCheck):
    rule_id = "testing-dependency-overrides"
    node_types = (cst.Call,)

    def check(self, ctx: FileContext) -> None:
        _record_patches(ctx, self.rule_id)


@register
class DependencyOverrides(ProjectCheck):
    rule_id = "testing-dependency-overrides"

    def check(self, project: Project) -> None:
        provided: dict[str, str] | None = None
        roots = _app_roots(project)
        for path, summary in sorted(project.summaries.items()):
            for fact in _facts(summary, self.rule_id):
                target_name = fact["target"]
                if target_name.split(".", 1)[0] not in roots or not _goes_through_app(summary, fact["scope"]):
                    continue
                if provided is None:
                    provided = _provided(project, roots)
                message = self._finding(project, _Target(project, target_name, roots), provided)
                if message:
                    project.report(self.rule_id, path, _span(fact), message)

    @staticmethod
    def _finding(project: Project, target: _Target, provided: dict[str, str]) -> str | None:
        patched = f"`{target.target}`"
        fn = target.function()
        if fn is not None and project.is_dependency(fn):
            return (
                f"patching {patched} misses the routes that already hold dependency `{fn.name}`; override it with "
                f"`app.dependency_overrides[{fn.name}] = fake` in a fixture that clears it"
            )
        via = target.via("dependencies")
        if via is not None and via[1] and not target.allowed(via[1]):
            if len(via[1]) == 1:
                name = via[1][0]
                return (
                    f"patching {patched} swaps `{name}` of `{via[0]}` behind FastAPI's back; override the dependency "
                    f"with `app.dependency_overrides[{name}] = fake` in a fixture that clears it"
                )
            return (
                f"patching {patched} reaches into what `{via[0]}` calls instead of replacing the dependency; "
                "override the dependency with `app.dependency_overrides[dep] = fake` in a fixture that clears it"
            )
        for cls, dependency in provided.items():
            if target.final == cls or target.final.startswith(cls + "."):
                return (
                    f"patching {patched} stubs what dependency `{dependency}` provides; override the dependency "
                    f"with `app.dependency_overrides[{dependency}] = fake` instead"
                )
        return None


# --- testing-real-db ----------------------------------------------------------------------------------------


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
        _record_patches(ctx, self.rule_id)
        for node, scope in ctx.nodes(cst.Assign):
            for target in node.targets:
                found = _override_target(target.target)
                if found is None or not _mock_value(ctx, node.value, scope):
                    continue
                key = found[1]
                _record(
                    ctx,
                    self.rule_id,
                    {
                        "kind": "override",
                        "span": ctx.fact_span(node),
                        "key": ctx.qualify(key, scope) or _code(key),
                        "key_text": _code(key),
                    },
                )


@register
class RealDatabase(ProjectCheck):
    rule_id = "testing-real-db"

    def check(self, project: Project) -> None:
        roots = _app_roots(project)
        for path, summary in sorted(project.summaries.items()):
            for fact in _facts(summary, self.rule_id):
                if fact.get("kind") == "override":
                    message = self._override(project, fact)
                elif fact.get("kind") == "patch" and _goes_through_app(summary, fact["scope"]):
                    message = self._patch(project, _Target(project, fact["target"], roots), roots)
                else:
                    message = None
                if message:
                    project.report(self.rule_id, path, _span(fact), message)

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
    def _patch(project: Project, target: _Target, roots: set[str]) -> str | None:
        fix = "run the test against a real test database (override `get_db` with a rolled-back session) instead"
        if any(target.final == t or target.final.startswith(f"{t}.") for t in SESSION_TARGETS):
            return f"patching `{target.target}` mocks the database in a test that goes through the app; {fix}"
        if target.target.split(".", 1)[0] not in roots:
            return None
        via = target.via("service")
        if via is None or not via[1] or target.allowed(via[1]):
            return None
        if _name_of(target.target).split("_", 1)[0].lower() not in QUERY_VERBS:
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
