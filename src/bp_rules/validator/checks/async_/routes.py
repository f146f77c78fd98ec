"""Async routes beyond the blocking-call check: `def` vs `async def`, unawaited coroutines, the threadpool,
sync SDKs and CPU-heavy work (catalog 6.2, rules 22-26)."""

from __future__ import annotations

import libcst as cst

from bp_rules.validator.analysis import phase_facts as F
from bp_rules.validator.analysis.blocking import (
    RELEASES_GIL,
    BlockingIndex,
    cpu_heavy,
    display,
    expand,
    first_blocking,
    surely_non_blocking,
)
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import positional
from bp_rules.validator.names import BLOCKING_CALLS, EXECUTOR_METHOD, ROUTE_METHODS, THREAD_OFFLOAD, last, matches
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register
from bp_rules.validator.summary import Call, FileSummary, Function

WEBSOCKET_METHODS = frozenset({"websocket", "add_api_websocket_route"})
# calls that need a running event loop or schedule work on it: such a function must stay `async def`
LOOP_BOUND = ("asyncio.", "anyio.", "trio.")


def websocket_endpoints(project: Project) -> set[str]:
    out = set()
    for summary in project.summaries.values():
        for endpoint, route in summary.route_endpoints:
            if route.method in WEBSOCKET_METHODS:
                out.add(project.canonical(endpoint))
    return out


def is_websocket(fn: Function, websockets: set[str]) -> bool:
    return fn.qualname in websockets or any(r.method in WEBSOCKET_METHODS for r in fn.routes)


# --- 22 -----------------------------------------------------------------------------------------------------


@register
class SyncDefForBlockingRoute(ProjectCheck):
    rule_id = "async-sync-def-for-blocking-route"

    def check(self, project: Project) -> None:
        index = project.shared(BlockingIndex)
        websockets = websocket_endpoints(project)
        for fn, summary in project.reported_functions():
            if not fn.is_async or fn.awaits or fn.yields or not project.is_route(fn):
                continue
            if is_websocket(fn, websockets) or self._needs_loop(project, fn):
                continue
            found = first_blocking(index, fn)
            if found is None:
                continue
            project.report(
                self.rule_id,
                summary.path,
                fn.span,
                f"async route `{fn.name}` awaits nothing and blocks the event loop on {found[1]}; drop `async` "
                "so that FastAPI runs it in the threadpool",
            )

    @staticmethod
    def _needs_loop(project: Project, fn: Function) -> bool:
        for call in fn.calls:
            if call.name.startswith(LOOP_BOUND) or call.name in THREAD_OFFLOAD:
                return True
            found = project.function(call.name)
            if found is not None and found[0].is_async:
                return True  # it builds a coroutine: something must await it
        return False


# --- 23 -----------------------------------------------------------------------------------------------------

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


# --- 24 -----------------------------------------------------------------------------------------------------

STRIPE_METHODS = frozenset(
    {
        "retrieve", "create", "modify", "list", "delete", "search", "cancel", "capture", "confirm", "update",
        "pay", "finalize_invoice", "void_invoice", "send_invoice", "mark_uncollectible", "upcoming",
        "create_reversal", "list_line_items", "expire", "close", "reject", "refund", "attach", "detach",
        "verify", "create_source", "list_sources", "retrieve_source",
    }
)  # fmt: skip
SDK_RESOURCE_METHODS = frozenset({"create", "fetch", "update", "delete", "list", "stream", "retrieve", "parse"})
# clients of vendor SDKs whose every method is a network round trip
SYNC_SDK_CLIENTS = ("slack_sdk.WebClient().", "slack_sdk.web.WebClient().", "dropbox.Dropbox().",
                    "elasticsearch.Elasticsearch().", "sendgrid.SendGridAPIClient().")  # fmt: skip
# clients whose resources expose `create`/`retrieve`... methods
SYNC_SDK_RESOURCES = ("twilio.rest.Client().", "openai.OpenAI().", "anthropic.Anthropic().")
SYNC_SDK_CALLS = frozenset(
    {
        "google.cloud.storage.Client().get_bucket", "google.cloud.storage.Client().list_blobs",
        "google.cloud.storage.Client().list_buckets", "google.cloud.storage.Client().create_bucket",
        "google.cloud.storage.Client().lookup_bucket", "google.cloud.bigquery.Client().query",
        "google.cloud.bigquery.Client().get_table", "google.cloud.bigquery.Client().insert_rows_json",
        "paramiko.SSHClient().connect", "paramiko.SSHClient().exec_command",
    }
)  # fmt: skip
CALLABLE_FACTORIES = frozenset({"functools.partial", "operator.methodcaller", "operator.attrgetter",
                                "operator.itemgetter"})  # fmt: skip


def sync_sdk(name: str) -> bool:
    if not name:
        return False
    if name in SYNC_SDK_CALLS or name.startswith(SYNC_SDK_CLIENTS):
        return True
    method = last(name)
    if name.startswith(SYNC_SDK_RESOURCES):
        return method in SDK_RESOURCE_METHODS
    if name.startswith("stripe.") and method in STRIPE_METHODS:
        owner = name.split(".")[-2]
        return (owner[:1].isupper() and owner not in ("Webhook", "WebhookSignature")) or "StripeClient()" in name
    return False


@register
class RunSyncSdkInThreadpool(FileCheck):
    rule_id = "async-run-sync-sdk-in-threadpool"
    node_types = (cst.Expr,)

    def check(self, ctx: FileContext) -> None:
        discarded = {id(e.value) for e, _ in ctx.nodes(cst.Expr) if isinstance(e.value, cst.Call)}
        blocking = frozenset(BLOCKING_CALLS) | frozenset(ctx.config.blocking_calls)
        for fn in ctx.summary.functions:
            handed_over: set[int] = set()  # calls made as the argument of an offload: reported once, as that
            for call in fn.calls:
                if call.nested:
                    continue
                node = ctx.call_node(call)
                executor = isinstance(node.func, cst.Attribute) and node.func.attr.value == EXECUTOR_METHOD
                offload = call.name in THREAD_OFFLOAD
                if not (offload or executor):
                    continue
                offloader = F.code(node.func)
                arg = positional(node, 1 if executor else 0)
                if arg is not None and isinstance(arg.value, cst.Call):
                    handed_over.add(id(arg.value))
                    inner = F.code(arg.value.func)
                    if not self._makes_callable(ctx.qualify(arg.value.func) or inner):
                        how = f"{offloader}(None, {inner}, ...)" if executor else f"{offloader}({inner}, ...)"
                        ctx.report_at(
                            self.rule_id,
                            call,
                            f"`{inner}(...)` runs on the event loop before `{offloader}` gets its result; pass "
                            f"the function and its arguments, `{how}`",
                        )
                elif offload and fn.is_async and id(node) in discarded:
                    ctx.report_at(
                        self.rule_id,
                        call,
                        f"`{offloader}(...)` is never awaited in `{fn.name}`, so the function never runs; write "
                        f"`await {offloader}(...)`",
                    )
            if not fn.is_async:
                continue
            for call in fn.calls:
                if call.nested or call.awaited or not sync_sdk(call.name) or matches(call.name, blocking):
                    continue
                node = ctx.call_node(call)
                if id(node) in handed_over:
                    continue
                shown = F.code(node.func)
                ctx.report_at(
                    self.rule_id,
                    call,
                    f"`{shown}` is a blocking SDK call inside async `{fn.name}`; run it in a thread with "
                    f"`await run_in_threadpool({shown}, ...)`",
                )

    @staticmethod
    def _makes_callable(name: str) -> bool:
        short = last(name)
        return name in CALLABLE_FACTORIES or short == "partial" or "factory" in short or short.startswith("make_")


# --- 25 -----------------------------------------------------------------------------------------------------


@register
class ThreadpoolBudget(ProjectCheck):
    rule_id = "async-threadpool-budget"

    def check(self, project: Project) -> None:
        index = project.shared(BlockingIndex)
        websockets = websocket_endpoints(project)
        for fn, summary in project.reported_functions():
            # sync dependencies are `deps-prefer-async`'s; here: sync routes
            if fn.is_async or fn.yields or fn.nested or not project.is_route(fn) or is_websocket(fn, websockets):
                continue
            if len(fn.decorators) > len(fn.routes):
                continue  # another decorator may need a sync function, or block itself
            if not surely_non_blocking(fn, project, index):
                continue
            if self._sync_resources(project, index, fn):
                continue
            project.report(
                self.rule_id,
                summary.path,
                fn.span,
                f"route `{fn.name}` is a plain `def` but does no blocking work, so each request holds one of "
                "the threadpool's 40 threads for nothing; make it `async def`",
            )

    @staticmethod
    def _sync_resources(project: Project, index: BlockingIndex, fn: Function) -> bool:
        """Objects from a blocking sync dependency (ORM rows of a sync session) may lazy-load while FastAPI
        validates the response, which it does in the threadpool for a `def` route: keep such routes sync. The
        instance of a class-based view is such an object too: FastAPI builds it from dependencies, and its
        properties may load lazily."""
        if fn.in_class and "staticmethod" not in fn.decorators:
            return True
        for param in fn.params:
            dep = project.param_dependency(param)
            found = project.function(dep) if dep else None
            if found is None:
                continue
            dep_fn = found[0]
            if not dep_fn.is_async and (dep_fn.yields or not surely_non_blocking(dep_fn, project, index)):
                return True
        return False


# --- 26 -----------------------------------------------------------------------------------------------------


@register
class CpuBoundOffload(ProjectCheck):
    rule_id = "async-cpu-bound-offload"

    def check(self, project: Project) -> None:
        index = project.shared(BlockingIndex)
        for fn, summary in project.reported_functions():
            if fn.nested or not (project.is_route(fn) or project.is_dependency(fn)):
                continue
            kind = "route" if project.is_route(fn) else "dependency"
            for call in fn.calls:
                if call.nested:
                    continue
                if call.name in THREAD_OFFLOAD:
                    for ref in call.passed_refs:
                        heavy = cpu_heavy(ref) or cpu_heavy(expand(index, ref))
                        if heavy and heavy not in RELEASES_GIL:
                            self._report(project, summary, call, heavy, kind, fn, "a thread")
                    continue
                if call.awaited:
                    continue
                heavy = cpu_heavy(call.name) or cpu_heavy(expand(index, call.name))
                if heavy and (fn.is_async or heavy not in RELEASES_GIL):
                    self._report(project, summary, call, heavy, kind, fn, "loop" if fn.is_async else "sync")

    def _report(self, project, summary: FileSummary, call: Call, heavy: str, kind: str, fn: Function, where: str):
        shown = display(heavy).replace("()", "(...)")
        if where == "loop":
            place = f"blocks the event loop in async {kind} `{fn.name}`"
        elif where == "sync":
            place = f"holds a threadpool thread (and the GIL) in sync {kind} `{fn.name}`"
        else:
            place = f"gains little from a thread in {kind} `{fn.name}` (the GIL)"
        if heavy in RELEASES_GIL:
            remedy = "it releases the GIL, so `await run_in_threadpool(...)` is enough"
        else:
            remedy = "send it to a process pool (`loop.run_in_executor(process_pool, ...)`) or a task queue"
        project.report(self.rule_id, summary.path, call.span, f"`{shown}` is CPU-heavy and {place}; {remedy}")
