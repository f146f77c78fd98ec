"""The rule record: its JSON Schema (the published contract), the models that load it, and the loader."""

import json
from functools import cache
from importlib import resources
from typing import Any

from bp_rules.schema.models import Matrix, Rule

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_FILES = {"rule": "rule.schema.json", "matrix": "matrix.schema.json"}


def generate_schema(kind: str) -> dict[str, Any]:
    """Build the JSON Schema of a record kind from its pydantic model."""
    model = {"rule": Rule, "matrix": Matrix}[kind]
    body = model.model_json_schema()
    return {"$schema": SCHEMA_DIALECT, "$id": body.pop("$id"), **body}


def schema_text(kind: str) -> str:
    return json.dumps(generate_schema(kind), indent=2, sort_keys=False) + "\n"


@cache
def published_schema(kind: str) -> dict[str, Any]:
    """The committed schema file shipped with the package."""
    text = resources.files(__package__).joinpath(SCHEMA_FILES[kind]).read_text(encoding="utf-8")
    return json.loads(text)
