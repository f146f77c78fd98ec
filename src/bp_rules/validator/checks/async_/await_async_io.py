"""`async-await-async-io`: every coroutine called is awaited, or handed to something that awaits it."""

from __future__ import annotations

import libcst as cst

from bp_rules.validator.analysis import phase_facts as F
from bp_rules.validator.analysis.blocking import BlockingIndex, expand
from bp_rules.validator.context import FileContext
from bp_rules.validator.names import ROUTE_METHODS, THREAD_OFFLOAD, last
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register

COROUTINE_FUNCTIONS = frozenset(
    {
        "asyncio.sleep", "asyncio.wait_for", "asyncio.wait", "asyncio.open_connection", "asyncio.start_server",
        "asyncio.create_subprocess_exec", "asyncio.create_subprocess_shell", "anyio.sleep", "anyio.open_file",
        "anyio.connect_tcp", "aiofiles.os.remove", "aiofiles.os.rename", "aiofiles.os.makedirs",
        "aiofiles.os.mkdir", "aiofiles.os.stat", "aiofiles.os.unlink",
    }
)  # fmt: skip


_SESSION = frozenset(
    {
        "execute", "scalar", "scalars", "get", "get_one", "commit", "rollback", "flush", "refresh", "delete",
        "close", "merge", "stream", "stream_scalars", "run_sync", "invalidate", "reset", "connection",
    }
)  # fmt: skip


_HTTPX = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request", "send", "aclose"})


_REDIS = frozenset(
    {
        "get", "set", "setex", "delete", "exists", "expire", "incr", "decr", "incrby", "hget", "hset", "hgetall",
        "hdel", "lpush", "rpush", "lpop", "rpop", "lrange", "sadd", "srem", "smembers", "zadd", "zrem", "zrange",
        "publish", "mget", "mset", "ttl", "ping", "aclose", "close", "flushdb", "xadd",
    }
)  # fmt: skip


_FILE = frozenset({"read", "write", "close", "flush", "seek", "readline", "readlines", "truncate"})


_UPLOAD = frozenset({"read", "write", "seek", "close"})


_REQUEST = frozenset({"body", "json", "form"})


_WEBSOCKET = frozenset(
    {
        "accept", "close", "send", "receive", "send_text", "send_bytes", "send_json", "receive_text",
        "receive_bytes", "receive_json",
    }
)  # fmt: skip


ASYNC_METHODS: dict[str, frozenset[str]] = {
    "httpx.AsyncClient": _HTTPX,
    "sqlalchemy.ext.asyncio.AsyncSession": _SESSION,
    "sqlalchemy.ext.asyncio.session.AsyncSession": _SESSION,
    "sqlalchemy.ext.asyncio.async_sessionmaker()": _SESSION,
    "sqlalchemy.ext.asyncio.AsyncConnection": frozenset(
        {"execute", "scalar", "scalars", "commit", "rollback", "close", "run_sync", "stream"}
    ),
    "sqlalchemy.ext.asyncio.AsyncEngine": frozenset({"dispose"}),
    "sqlmodel.ext.asyncio.session.AsyncSession": _SESSION | {"exec"},
    "redis.asyncio.Redis": _REDIS,
    "redis.asyncio.StrictRedis": _REDIS,
    "redis.asyncio.client.Redis": _REDIS,
    "redis.asyncio.from_url": _REDIS,
    "redis.asyncio.Redis.from_url": _REDIS,
    "aiofiles.open": _FILE,
    "fastapi.UploadFile": _UPLOAD,
    "fastapi.datastructures.UploadFile": _UPLOAD,
    "starlette.datastructures.UploadFile": _UPLOAD,
    "fastapi.Request": _REQUEST,
    "starlette.requests.Request": _REQUEST,
    "fastapi.WebSocket": _WEBSOCKET,
    "starlette.websockets.WebSocket": _WEBSOCKET,
}


SCHEDULING = frozenset(
    {"asyncio.create_task", "asyncio.ensure_future", "asyncio.gather", "asyncio.shield", "asyncio.as_completed"}
)


TRANSPARENT_DECORATORS = frozenset({"staticmethod", "classmethod", "override", "abstractmethod"})


def library_coroutine(name: str) -> str | None:
    """A display name when `name` is a coroutine function of a known async library, else None."""
    if name in COROUTINE_FUNCTIONS:
        return name
    owner, _, method = name.rpartition(".")
    # `X().m`: an instance made by calling X; `X.m`: a parameter annotated X
    for candidate in (owner, owner.removesuffix("()")):
        methods = ASYNC_METHODS.get(candidate)
        if methods is not None and method in methods:
            return f"{last(candidate.removesuffix('()'))}.{method}"
    return None


def reexported(project: Project, name: str) -> str:
    """`app.db.AsyncSession.commit` where `app/db.py` imports `AsyncSession` from SQLAlchemy: the library's
    own name, following a few imports between project modules."""
    owner, _, method = name.rpartition(".")
    call = "()" if owner.endswith("()") else ""
    owner = owner.removesuffix("()")
    if "()" in owner:
        return name
    for _ in range(3):
        module, _, local = owner.rpartition(".")
        summary = project.module_of.get(module)
        if summary is None:
            break
        imported = next((i.module for i in summary.imports if i.local == local and not i.in_function), None)
        if imported is None:
            break
        owner = imported
    return f"{owner}{call}.{method}" if owner else name


@register
class AwaitAsyncIOFacts(FileCheck):
    """Phase 1 of `async-await-async-io`: calls in `async def` whose value is thrown away."""

    rule_id = "async-await-async-io"
    node_types = (cst.Expr,)

    def check(self, ctx: FileContext) -> None:
        index: dict | None = None
        attributes = F.AttributeTypes(ctx)
        for expr, scope in ctx.nodes(cst.Expr):
            if scope is None or not scope.info.is_async or not isinstance(expr.value, cst.Call):
                continue
            if index is None:
                index = F.call_index(ctx)
            found = index.get(id(expr.value))
            if found is None or found[0] is not scope.info:
                continue
            fn, i, call = found
            if call.nested or call.name.startswith("builtins."):
                continue
            via_self = "" if call.name else attributes.callee(fn, expr.value)
            if call.name or via_self:
                F.record(ctx, self.rule_id, fn.qualname, i, via_self, F.code(expr.value.func))


@register
class AwaitAsyncIO(ProjectCheck):
    rule_id = "async-await-async-io"

    def check(self, project: Project) -> None:
        index = project.shared(BlockingIndex)
        for summary in project.summaries.values():
            for fn, call, (via_self, text) in F.fact_calls(summary, F.read(summary, self.rule_id)):
                what = self._coroutine(project, index, via_self or call.name)
                if what is None:
                    continue
                known = "" if text.endswith(what) else f" (`{what}` is a coroutine function)"
                project.report(
                    self.rule_id,
                    summary.path,
                    call.span,
                    f"`{text}(...)` is never awaited in `{fn.name}`{known}, so it never runs; "
                    f"write `await {text}(...)`",
                )

    @staticmethod
    def _coroutine(project: Project, index: BlockingIndex, name: str) -> str | None:
        if not name or name in THREAD_OFFLOAD or name in SCHEDULING:
            return None  # thread offloads are `async-run-sync-sdk-in-threadpool`'s; scheduling runs them
        found = library_coroutine(name) or library_coroutine(expand(index, name))
        found = found or library_coroutine(reexported(project, name))
        if found:
            return found
        target = project.function(name)
        if target is None:
            return None
        fn = target[0]
        if not fn.is_async or fn.yields:
            return None
        for decorator in fn.decorators:
            if last(decorator) in TRANSPARENT_DECORATORS or (fn.routes and last(decorator) in ROUTE_METHODS):
                continue
            return None  # a decorator may turn it into something else than a coroutine function
        return fn.name
