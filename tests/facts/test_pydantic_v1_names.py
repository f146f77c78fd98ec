"""What the Pydantic v1 names do under Pydantic v2, and the v2 name for populating by field name."""

from __future__ import annotations

import warnings

import pydantic
import pytest
from pydantic import BaseModel, ConfigDict, Field, PydanticUserError

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
