"""PyJWT's exception tree: one `except jwt.InvalidTokenError` covers every rejected token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from tests.facts.backs import backs

RULE = "auth-catch-invalid-token"
KEY = "a-test-secret-of-at-least-32-bytes!!"


def _token(**claims) -> str:
    return jwt.encode({"sub": "1", **claims}, KEY, algorithm="HS256")


@backs(RULE)
@pytest.mark.parametrize(
    ("token", "error"),
    [
        (_token(exp=datetime.now(UTC) - timedelta(minutes=1)), jwt.ExpiredSignatureError),
        (_token()[:-4] + "AAAA", jwt.InvalidSignatureError),
        ("not-a-token", jwt.DecodeError),
        (_token(aud="other"), jwt.InvalidAudienceError),
    ],
)
def test_every_rejected_token_raises_a_subclass_of_invalidtokenerror(token, error):
    with pytest.raises(error) as caught:
        jwt.decode(token, KEY, algorithms=["HS256"], audience="api")
    assert isinstance(caught.value, jwt.InvalidTokenError)


@backs(RULE)
def test_a_token_without_exp_is_accepted_unless_exp_is_required():
    token = _token()
    assert jwt.decode(token, KEY, algorithms=["HS256"]) == {"sub": "1"}
    with pytest.raises(jwt.MissingRequiredClaimError):
        jwt.decode(token, KEY, algorithms=["HS256"], options={"require": ["exp"]})


@backs(RULE)
def test_decode_without_algorithms_fails():
    with pytest.raises(jwt.DecodeError, match="algorithms"):
        jwt.decode(_token(), KEY)
