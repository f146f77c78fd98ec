"""What FastAPI does with dependencies, path parameters, validator errors and the OpenAPI schema (tested-with).

No `from __future__ import annotations` here: the apps are built inside the tests, and FastAPI resolves string
annotations in the module's globals only.
"""

import asyncio
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from tests.facts.asgi import request
from tests.facts.backs import backs


@backs("deps-chain")
def test_a_dependency_runs_once_per_request_however_many_ask_for_it():
    calls: list[str] = []

    async def decode_token() -> str:
        calls.append("decode")
        return "user-1"

    async def owned_post(user: Annotated[str, Depends(decode_token)]) -> str:
        return f"post of {user}"

    app = FastAPI()

    @app.get("/")
    async def route(post: Annotated[str, Depends(owned_post)], user: Annotated[str, Depends(decode_token)]) -> str:
        return post

    assert request(app, "GET", "/").status_code == 200
    assert calls == ["decode"]


@backs("rest-consistent-path-params")
def test_a_dependency_parameter_missing_from_the_path_becomes_a_required_query_parameter():
    async def valid_profile_id(profile_id: int) -> int:
        return profile_id

    app = FastAPI()

    @app.get("/creators/{creator_id}")
    async def get_creator(creator_id: int, profile: Annotated[int, Depends(valid_profile_id)]) -> int:
        return profile

    assert request(app, "GET", "/creators/1").status_code == 422
    assert request(app, "GET", "/creators/1?profile_id=1").status_code == 200
    parameters = app.openapi()["paths"]["/creators/{creator_id}"]["get"]["parameters"]
    assert {(p["name"], p["in"], p["required"]) for p in parameters} == {
        ("creator_id", "path", True),
        ("profile_id", "query", True),
    }


@backs("errors-domain-exceptions")
def test_a_valueerror_in_a_validator_is_a_422_and_in_a_dependency_a_500():
    class ProfileCreate(BaseModel):
        username: str

        @field_validator("username")
        @classmethod
        def not_reserved(cls, value: str) -> str:
            if value == "admin":
                raise ValueError("this username is reserved")
            return value

    async def valid_owner() -> None:
        raise ValueError("not the owner")

    app = FastAPI()

    @app.post("/profiles")
    async def create_profile(data: ProfileCreate) -> str:
        return data.username

    @app.get("/owned", dependencies=[Depends(valid_owner)])
    async def owned() -> None:
        return None

    def post(path: str, body: dict) -> int:
        import httpx

        async def run() -> int:
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                return (await client.post(path, json=body)).status_code

        return asyncio.run(run())

    assert post("/profiles", {"username": "admin"}) == 422
    assert request(app, "GET", "/owned").status_code == 500


@backs("docs-hidden-by-default")
def test_openapi_url_none_removes_schema_and_pages_while_docs_url_none_hides_only_swagger():
    hidden = FastAPI(openapi_url=None)
    assert [request(hidden, "GET", p).status_code for p in ("/openapi.json", "/docs", "/redoc")] == [404] * 3
    swagger_off = FastAPI(docs_url=None)
    assert [request(swagger_off, "GET", p).status_code for p in ("/openapi.json", "/docs", "/redoc")] == [200, 404, 200]


@backs("docs-route-metadata")
def test_without_declarations_the_schema_guesses_title_tag_status_and_an_empty_response_schema():
    app = FastAPI()

    @app.post("/posts")
    async def create_post():
        return {}

    operation = app.openapi()["paths"]["/posts"]["post"]
    assert operation["summary"] == "Create Post"
    assert "tags" not in operation
    assert list(operation["responses"]) == ["200"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {}


@backs("async-run-sync-sdk-in-threadpool")
def test_run_in_threadpool_given_a_result_instead_of_a_callable_raises_typeerror():
    def fetch(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    with pytest.raises(TypeError, match="callable"):
        asyncio.run(run_in_threadpool(fetch(1)))  # type: ignore[arg-type]
    assert asyncio.run(run_in_threadpool(fetch, 1)) == {"id": 1}


@backs("async-await-async-io")
def test_asyncsession_add_is_a_plain_method_and_commit_a_coroutine_function():
    assert not asyncio.iscoroutinefunction(AsyncSession.add)
    assert asyncio.iscoroutinefunction(AsyncSession.commit)


@backs("async-await-async-io")
def test_an_unawaited_coroutine_never_runs_and_warns_never_awaited():
    ran: list[bool] = []

    async def commit() -> None:
        ran.append(True)

    with pytest.warns(RuntimeWarning, match="never awaited"):
        commit()
        import gc

        gc.collect()
    assert ran == []
