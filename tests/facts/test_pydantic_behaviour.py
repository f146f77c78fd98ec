"""Pydantic v2 and pydantic-settings behaviour the pydantic rules rest on (tested-with versions)."""

from __future__ import annotations

import warnings
from datetime import datetime
from enum import Enum, StrEnum
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, Field, PydanticDeprecatedSince20, PydanticUserError, ValidationError
from pydantic.errors import PydanticImportError
from pydantic_settings import BaseSettings, SettingsConfigDict

from tests.facts.backs import backs


@backs("pydantic-constraint-default-conflict")
def test_a_default_is_not_validated_so_none_passes_an_int_field_with_a_constraint():
    class ProfileCreate(BaseModel):
        age: int = Field(default=None, ge=18)

    assert ProfileCreate().age is None
    with pytest.raises(ValidationError):
        ProfileCreate(age=12)


@backs("pydantic-pep604-optional")
def test_a_nullable_field_without_a_default_is_still_required():
    class PostUpdate(BaseModel):
        title: str | None

    with pytest.raises(ValidationError, match="missing"):
        PostUpdate()
    assert PostUpdate(title=None).title is None


@backs("pydantic-settings-config")
def test_settings_reject_unknown_keys_of_a_shared_env_file_unless_extra_is_ignore(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("PAYMENTS_API_KEY=abc\nAUTH_JWT_ALG=HS256\n")

    class PaymentsConfig(BaseSettings):
        model_config = SettingsConfigDict(env_prefix="PAYMENTS_", env_file=".env")

        API_KEY: str

    class IgnoringConfig(BaseSettings):
        model_config = SettingsConfigDict(env_prefix="PAYMENTS_", env_file=".env", extra="ignore")

        API_KEY: str

    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        PaymentsConfig()
    assert IgnoringConfig().API_KEY == "abc"


@backs("pydantic-settings-import")
def test_importing_basesettings_from_pydantic_fails_and_points_to_pydantic_settings():
    with pytest.raises(PydanticImportError, match="pydantic-settings"):
        from pydantic import BaseSettings  # noqa: F401


@backs("pydantic-strenum")
def test_a_str_enum_mixin_formats_as_its_qualified_name_and_strenum_as_its_value():
    class MixedStatus(str, Enum):  # noqa: UP042 - the form the rule reports
        DRAFT = "draft"

    class PostStatus(StrEnum):
        DRAFT = "draft"

    assert f"{MixedStatus.DRAFT}" == "MixedStatus.DRAFT"
    assert f"{PostStatus.DRAFT}" == "draft"


@backs("pydantic-v2-pattern")
@pytest.mark.parametrize("keyword", [{"regex": "^a"}, {"const": 1}, {"unique_items": True}])
def test_removed_field_keywords_fail_when_the_class_is_created(keyword):
    with pytest.raises(PydanticUserError):

        class PostIn(BaseModel):
            slug: str = Field(**keyword)


@backs("pydantic-v2-pattern")
def test_min_items_still_works_with_a_deprecation_warning():
    with pytest.warns(PydanticDeprecatedSince20, match="min_items"):

        class TagsIn(BaseModel):
            tags: list[str] = Field(min_items=1)

    with pytest.raises(ValidationError):
        TagsIn(tags=[])


@backs("pydantic-no-json-encoders")
def test_json_encoders_still_apply_to_json_output_only_and_warn_as_deprecated():
    with pytest.warns(PydanticDeprecatedSince20, match="json_encoders"):

        class EventOut(BaseModel):
            model_config = ConfigDict(json_encoders={datetime: lambda value: "encoded"})

            at: datetime

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PydanticDeprecatedSince20)
        event = EventOut(at=datetime(2026, 1, 1))
        assert event.model_dump_json() == '{"at":"encoded"}'
        assert event.model_dump()["at"] == datetime(2026, 1, 1)
