"""What the Pydantic v1 names do under Pydantic v2, and the v2 name for populating by field name."""

from __future__ import annotations

import warnings

import pydantic
import pytest
from pydantic import BaseModel, ConfigDict, Field, PydanticUserError, ValidationError

from tests.facts.backs import backs

RULE = "pydantic-no-v1-api"


@backs(RULE)
def test_a_bare_root_validator_fails_when_the_class_is_defined():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(PydanticUserError, match="skip_on_failure"):

            class Totals(BaseModel):
                net: int

                @pydantic.root_validator
                def check(cls, values):
                    return values


@backs(RULE)
def test_validate_by_name_populates_an_aliased_field_by_its_name_and_its_alias():
    class UserOut(BaseModel):
        model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)

        user_id: int = Field(alias="userId")

    assert UserOut(user_id=1).user_id == 1
    assert UserOut.model_validate({"userId": 2}).user_id == 2


class _Row:
    id = 1
    title = "Hello"


@backs(RULE)
def test_orm_mode_only_warns_and_leaves_from_attributes_off():
    with pytest.warns(UserWarning, match="orm_mode"):

        class PostOut(BaseModel):
            model_config = ConfigDict(orm_mode=True)  # type: ignore[typeddict-unknown-key]

            id: int
            title: str

    with pytest.raises(ValidationError):
        PostOut.model_validate(_Row())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(PydanticUserError, match="from_attributes"):
            PostOut.from_orm(_Row())


@backs(RULE)
def test_populate_by_name_still_works_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")

        class UserOut(BaseModel):
            model_config = ConfigDict(populate_by_name=True)

            user_id: int = Field(alias="userId")

    assert UserOut(user_id=1).user_id == 1
