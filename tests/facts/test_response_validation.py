"""What FastAPI runs again when a route returns an instance of its response model (Pydantic v2)."""

from __future__ import annotations

from collections import Counter

from fastapi import FastAPI
from pydantic import BaseModel, field_validator, model_validator

from tests.facts.asgi import request
from tests.facts.backs import backs

RULE = "serialization-no-double-validation"
calls: Counter[str] = Counter()


class ProfileOut(BaseModel):
    name: str

    @field_validator("name")
    @classmethod
    def strip_name(cls, value: str) -> str:
        calls["field"] += 1
        return value.strip()

    @model_validator(mode="after")
    def audit(self) -> ProfileOut:
        calls["after"] += 1
        return self


class Counted(BaseModel):
    value: int

    @model_validator(mode="before")
    @classmethod
    def before(cls, data: object) -> object:
        calls["before"] += 1
        return data

    @model_validator(mode="wrap")
    @classmethod
    def wrap(cls, data: object, handler):
        calls["wrap"] += 1
        return handler(data)


class Page(BaseModel):
    profile: ProfileOut


app = FastAPI()


@app.get("/instance")
async def instance() -> ProfileOut:
    return ProfileOut(name="ada")


@app.get("/dict", response_model=ProfileOut)
async def as_dict():
    return {"name": "ada"}


@app.get("/list")
async def as_list() -> list[ProfileOut]:
    return [ProfileOut(name="ada"), ProfileOut(name="grace")]


@app.get("/nested")
async def nested() -> Page:
    return Page(profile=ProfileOut(name="ada"))


@app.get("/counted")
async def counted() -> Counted:
    return Counted(value=1)


def _calls(path: str) -> Counter[str]:
    calls.clear()
    assert request(app, "GET", path).status_code == 200
    return +calls


@backs(RULE)
def test_a_returned_instance_runs_after_model_validators_again_but_not_field_validators():
    assert _calls("/instance") == Counter(field=1, after=2)


@backs(RULE)
def test_a_returned_dict_is_validated_once():
    assert _calls("/dict") == Counter(field=1, after=1)


@backs(RULE)
def test_each_instance_of_a_returned_list_runs_its_after_validator_again():
    assert _calls("/list") == Counter(field=2, after=4)


@backs(RULE)
def test_a_nested_instance_runs_its_after_validator_again():
    assert _calls("/nested") == Counter(field=1, after=2)


@backs(RULE)
def test_wrap_validators_run_again_and_before_validators_do_not():
    assert _calls("/counted") == Counter(before=1, wrap=2)
