"""When the code after `yield` in a dependency runs, relative to the response (FastAPI 0.118 and later)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, FastAPI

from tests.facts.asgi import request
from tests.facts.backs import backs

RULE = "db-async-session-factory"


class CommitFailed(Exception):
    """Stands for a failed `COMMIT` in a session dependency's teardown."""


async def get_session() -> AsyncIterator[str]:
    yield "session"
    raise CommitFailed


app = FastAPI()


@app.post("/request-scope")
async def write_with_request_scope(session: Annotated[str, Depends(get_session)]) -> dict[str, bool]:
    return {"saved": True}


@app.post("/function-scope")
async def write_with_function_scope(session: Annotated[str, Depends(get_session, scope="function")]) -> dict[str, bool]:
    return {"saved": True}


@backs(RULE)
def test_a_commit_failing_after_yield_still_answers_200_by_default():
    assert request(app, "POST", "/request-scope").status_code == 200


@backs(RULE)
def test_scope_function_runs_the_teardown_before_the_response():
    assert request(app, "POST", "/function-scope").status_code == 500
