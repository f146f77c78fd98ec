"""How settings values parse from the environment, and what a `SecretStr` does when passed on as a key."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
from pydantic import SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from tests.facts.backs import backs

RULE = "pydantic-typed-settings"


class AuthConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AUTH_")

    JWT_SECRET: SecretStr = SecretStr("a-test-secret-of-at-least-32-bytes!!")
    ACCESS_TOKEN_TTL: timedelta = timedelta(minutes=15)


@backs(RULE)
@pytest.mark.parametrize("value", ["900", "900.0"])
def test_a_timedelta_setting_rejects_plain_seconds_from_the_environment(monkeypatch, value):
    monkeypatch.setenv("AUTH_ACCESS_TOKEN_TTL", value)
    with pytest.raises(ValidationError) as caught:
        AuthConfig()
    assert caught.value.errors()[0]["type"] == "time_delta_parsing"


@backs(RULE)
@pytest.mark.parametrize(
    ("value", "expected"),
    [("PT15M", timedelta(minutes=15)), ("00:15:00", timedelta(minutes=15)), ("15:00", timedelta(hours=15))],
)
def test_a_timedelta_setting_reads_iso_8601_durations_and_hh_mm_as_hours(monkeypatch, value, expected):
    monkeypatch.setenv("AUTH_ACCESS_TOKEN_TTL", value)
    assert expected == AuthConfig().ACCESS_TOKEN_TTL


@backs(RULE)
def test_a_secretstr_passed_to_pyjwt_as_the_key_raises_typeerror_not_a_token_error():
    secret = AuthConfig().JWT_SECRET
    token = jwt.encode({"sub": "1"}, secret.get_secret_value(), algorithm="HS256")
    with pytest.raises(TypeError):
        jwt.decode(token, secret, algorithms=["HS256"])
    assert not issubclass(TypeError, jwt.InvalidTokenError)
    assert jwt.decode(token, secret.get_secret_value(), algorithms=["HS256"]) == {"sub": "1"}
