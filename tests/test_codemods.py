"""Codemods on shapes the rule examples do not show: layouts kept, and what is left alone because no rewrite
is provably right."""

from __future__ import annotations

from bp_rules.fixes.describe import fix_source

ROUTE = """\
from fastapi import APIRouter, Body, Depends, Query

router = APIRouter()


async def current_user() -> str:
    return "me"


@router.post("/items", summary="Create", response_model=dict, status_code=201)
async def create_item(
{params}
) -> dict:
    \"\"\"Create an item.\"\"\"
    return {{}}
"""


def _fix(code: str, rule: str, path: str = "src/items/router.py") -> str:
    return fix_source(code, path, select=(rule,), unsafe=True)[0]


def test_a_multi_line_marker_keeps_its_layout():
    params = (
        '    item: dict = Body(\n        ...,\n        examples=[{"name": "x"}],\n    ),\n'
        "    limit: int = Query(\n        10,\n    ),"
    )
    fixed = _fix(ROUTE.format(params=params), "deps-annotated")
    assert 'item: Annotated[dict, Body(\n        examples=[{"name": "x"}],\n    )],' in fixed
    assert "limit: Annotated[int, Query()] = 10," in fixed


def test_a_dependency_without_annotation_stays():
    code = ROUTE.format(params="    user=Depends(current_user),")  # nothing to put first in Annotated
    assert _fix(code, "deps-annotated") == code


def test_a_dependency_after_a_defaulted_parameter_is_fixed_once_that_one_is():
    code = ROUTE.format(params="    limit: int = Query(10),\n    user: str = Depends(current_user),")
    fixed = _fix(code, "deps-annotated")
    assert "limit: Annotated[int, Query()] = 10," in fixed
    assert "user: str = Depends(current_user)," in fixed  # it would have to follow a parameter with a default


SCHEMA = """\
from typing import Optional

from pydantic import BaseModel


class Node(BaseModel):
    parent: Optional["Node"] = None
    name: Optional[str] = None
"""


def test_optional_with_a_forward_reference_stays():
    fixed = _fix(SCHEMA, "pydantic-pep604-optional", "src/nodes/schemas.py")
    assert 'parent: Optional["Node"] = None' in fixed and "name: str | None = None" in fixed
    assert fixed.startswith("from typing import Optional\n")  # still used


def test_chain_from_binds_a_name_the_function_does_not_use():
    code = (
        "def parse(text: str, exc: str) -> int:\n"
        "    try:\n"
        "        return int(text)\n"
        "    except ValueError:\n"
        "        raise RuntimeError(exc)\n"
    )
    fixed = _fix(code, "errors-chain-from", "src/parse/service.py")
    assert "    except ValueError as error:\n        raise RuntimeError(exc) from error\n" in fixed


def test_strenum_leaves_enums_with_auto_values():
    code = "from enum import Enum, auto\n\n\nclass Color(str, Enum):\n    RED = auto()\n"
    assert _fix(code, "pydantic-strenum", "src/paint/constants.py") == code
