"""Qualified-name vocabulary shared by the indexer and the checks (catalog building blocks B1-B3)."""

from __future__ import annotations

import builtins

BUILTINS = frozenset(dir(builtins))

ROUTE_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "options", "head", "trace", "api_route", "websocket"}
)
ADD_ROUTE_METHODS = frozenset({"add_api_route", "add_api_websocket_route"})
ROUTER_FACTORIES = frozenset(
    {
        "fastapi.FastAPI",
        "fastapi.applications.FastAPI",
        "fastapi.APIRouter",
        "fastapi.routing.APIRouter",
    }
)
ROUTER_NAME_SUFFIXES = ("router", "app", "api")
DEPENDS = frozenset({"fastapi.Depends", "fastapi.Security", "fastapi.params.Depends", "fastapi.params.Security"})
ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
THREAD_OFFLOAD = frozenset(
    {
        "fastapi.concurrency.run_in_threadpool",
        "starlette.concurrency.run_in_threadpool",
        "anyio.to_thread.run_sync",
        "asyncio.to_thread",
    }
)
# generic types whose first argument is the value a dependency or an annotation really gives
TYPE_WRAPPERS = frozenset(
    {"Optional", "Generator", "AsyncGenerator", "Iterator", "AsyncIterator", "Iterable", "AsyncIterable", "Awaitable"}
)
# decorators that make a function compute its result once per arguments (a one-time initialisation)
CACHE_DECORATORS = frozenset({"cache", "lru_cache", "cached", "alru_cache", "memoize", "memoized"})
# `loop.run_in_executor(executor, fn, ...)`: the loop is rarely resolvable, so the method name decides.
EXECUTOR_METHOD = "run_in_executor"


def last(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def looks_like_router(variable: str) -> bool:
    """The fallback of B1 when a router variable cannot be resolved: `app`, `router`, `posts_router`..."""
    base = last(variable).lower()
    return base.endswith(ROUTER_NAME_SUFFIXES)


def matches(name: str, patterns: frozenset[str] | set[str] | tuple[str, ...]) -> str | None:
    """The pattern a qualified name matches: exactly, or as `prefix.*` for a module and everything in it."""
    if not name:
        return None
    if name in patterns:
        return name
    for pattern in patterns:
        if pattern.endswith(".*") and name.startswith(pattern[:-1]):
            return pattern
    return None


FASTAPI_PARAM_FUNCTIONS = frozenset(
    {f"fastapi.{n}" for n in ("Query", "Path", "Header", "Cookie", "Body", "Form", "File")}
    | {f"fastapi.params.{n}" for n in ("Query", "Path", "Header", "Cookie", "Body", "Form", "File")}
)

# B3: calls that block the thread they run on. Patterns ending in `.*` cover a module or an object's methods;
# `X()` stands for an instance made by calling X. Projects extend this with `blocking-calls` in config.
BLOCKING_CALLS = frozenset(
    {
        "time.sleep",
        "requests.get", "requests.post", "requests.put", "requests.patch", "requests.delete", "requests.head",
        "requests.options", "requests.request", "requests.Session().*", "requests.session().*",
        "requests.sessions.Session().*",
        "urllib.request.urlopen", "urllib3.request", "urllib3.PoolManager().*",
        "httpx.get", "httpx.post", "httpx.put", "httpx.patch", "httpx.delete", "httpx.head", "httpx.options",
        "httpx.request", "httpx.stream", "httpx.Client().*",
        "builtins.open", "io.open",
        "pathlib.Path().read_text", "pathlib.Path().read_bytes", "pathlib.Path().write_text",
        "pathlib.Path().write_bytes", "pathlib.Path().open",
        "os.system", "os.popen",
        "subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
        "subprocess.Popen",
        "socket.create_connection", "socket.getaddrinfo",
        "smtplib.SMTP", "smtplib.SMTP_SSL", "smtplib.SMTP().*", "smtplib.SMTP_SSL().*", "ftplib.FTP",
        "ftplib.FTP().*", "ftplib.FTP_TLS",
        "sqlite3.connect", "psycopg2.connect", "psycopg.connect", "pymysql.connect",
        "redis.Redis().*", "redis.StrictRedis().*", "redis.Redis.from_url().*", "pymongo.MongoClient().*",
        "boto3.client().*", "boto3.resource().*", "boto3.client", "boto3.resource",
        "sqlalchemy.create_engine",
        "sqlalchemy.orm.Session.*", "sqlalchemy.orm.Session().*", "sqlalchemy.orm.session.Session.*",
        "sqlalchemy.orm.sessionmaker()().*", "sqlalchemy.orm.scoped_session()().*",
        "sqlalchemy.orm.scoped_session().*", "sqlalchemy.engine.Engine.*",
    }
)  # fmt: skip
