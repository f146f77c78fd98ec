"""Routes hold the dependency function they were declared with; `app.dependency_overrides` is what swaps it."""

from typing import Annotated

from fastapi import Depends, FastAPI

from tests.facts.asgi import request
from tests.facts.backs import backs

RULE = "testing-dependency-overrides"


async def current_user() -> str:
    return "real user"


CurrentUser = Annotated[str, Depends(current_user)]

app = FastAPI()


@app.get("/me")
async def me(user: CurrentUser) -> str:
    return user


async def fake_user() -> str:
    return "fake user"


@backs(RULE)
def test_monkeypatching_the_module_attribute_after_the_route_is_built_changes_nothing(monkeypatch):
    monkeypatch.setitem(globals(), "current_user", fake_user)
    assert request(app, "GET", "/me").json() == "real user"


@backs(RULE)
def test_dependency_overrides_swaps_the_dependency():
    app.dependency_overrides[current_user] = fake_user
    try:
        assert request(app, "GET", "/me").json() == "fake user"
    finally:
        app.dependency_overrides.clear()
