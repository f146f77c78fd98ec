"""What httpx's in-process transport and pytest-asyncio do with the pack's test fixtures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from tests.facts.backs import backs

pytest_plugins = ["pytester"]

started: list[str] = []


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    started.append("startup")
    yield


app = FastAPI(lifespan=lifespan)


@app.get("/started")
async def read_started() -> list[str]:
    return started


async def _get_started(asgi_app) -> list[str]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi_app), base_url="http://test") as client:
        return (await client.get("/started")).json()


@backs("testing-asgitransport")
def test_asyncclient_no_longer_takes_app():
    with pytest.raises(TypeError, match="app"):
        httpx.AsyncClient(app=app)


@backs("testing-no-async-asgi-testclient")
def test_asgitransport_does_not_run_the_lifespan():
    started.clear()
    assert asyncio.run(_get_started(app)) == []


@backs("testing-no-async-asgi-testclient")
def test_lifespanmanager_runs_the_lifespan_around_the_client():
    async def run() -> list[str]:
        async with LifespanManager(app) as manager:
            return await _get_started(manager.app)

    started.clear()
    assert asyncio.run(run()) == ["startup"]


ASYNC_FIXTURE = """
import pytest
{decorator}
async def client():
    yield "client"

{mark}
async def test_uses_client(client):
    assert client == "client"
"""


def _run(pytester, mode: str, **files: str):
    pytester.makepyfile(**files)
    return pytester.runpytest(
        "-p", "asyncio", "-o", f"asyncio_mode={mode}", "-o", "asyncio_default_fixture_loop_scope=function"
    )


@backs("testing-async-client-day0")
def test_strict_mode_takes_async_fixtures_only_from_pytest_asyncio_fixture(pytester):
    result = _run(
        pytester,
        "strict",
        test_plain=ASYNC_FIXTURE.format(decorator="@pytest.fixture", mark="@pytest.mark.asyncio"),
        test_asyncio=ASYNC_FIXTURE.format(
            decorator="import pytest_asyncio\n@pytest_asyncio.fixture", mark="@pytest.mark.asyncio"
        ),
    )
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*requested an async fixture*"])
    assert "ERROR test_plain.py::test_uses_client" in result.stdout.str()


@backs("testing-async-client-day0")
def test_auto_mode_takes_plain_fixtures_and_unmarked_tests(pytester):
    _run(pytester, "auto", test_auto=ASYNC_FIXTURE.format(decorator="@pytest.fixture", mark="")).assert_outcomes(
        passed=1
    )
