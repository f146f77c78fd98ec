"""Startup and shutdown hooks on the tested-with FastAPI and Starlette 1.x."""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from fastapi import APIRouter, FastAPI

from tests.facts.asgi import run_lifespan
from tests.facts.backs import backs

RULE = "structure-main-lifespan"


def _quietly(register) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        register()


@backs(RULE)
def test_add_event_handler_is_gone_on_starlette_1():
    app = FastAPI()
    with pytest.raises(AttributeError):
        app.add_event_handler("shutdown", lambda: None)


@backs(RULE)
def test_with_a_lifespan_the_apps_on_event_handlers_never_run_but_an_included_routers_do():
    fired: list[str] = []

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        fired.append("lifespan")
        yield

    app = FastAPI(lifespan=lifespan)
    router = APIRouter()

    async def on_app_startup() -> None:
        fired.append("app on_event")

    async def on_router_startup() -> None:
        fired.append("router on_event")

    _quietly(lambda: app.on_event("startup")(on_app_startup))
    _quietly(lambda: router.on_event("startup")(on_router_startup))
    app.include_router(router)
    run_lifespan(app)
    assert "lifespan" in fired
    assert "router on_event" in fired
    assert "app on_event" not in fired


@backs(RULE)
def test_without_a_lifespan_on_event_and_on_startup_still_run():
    fired: list[str] = []

    async def on_startup() -> None:
        fired.append("on_startup")

    async def on_event() -> None:
        fired.append("on_event")

    app = FastAPI(on_startup=[on_startup])
    _quietly(lambda: app.on_event("startup")(on_event))
    run_lifespan(app)
    assert sorted(fired) == ["on_event", "on_startup"]
