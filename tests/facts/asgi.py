"""Drive an app in process, the way the pack's test examples do, from a synchronous test."""

from __future__ import annotations

import asyncio

import httpx
from asgi_lifespan import LifespanManager


def request(app, method: str, path: str) -> httpx.Response:
    """One request through `ASGITransport`; an exception the app raises after responding does not propagate."""

    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.request(method, path)

    return asyncio.run(run())


def run_lifespan(app) -> None:
    """Start the app and shut it down again, as a server does."""

    async def run() -> None:
        async with LifespanManager(app):
            pass

    asyncio.run(run())
