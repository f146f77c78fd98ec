"""pydantic-custom-base-model checks the schemas routes read or return, wherever the signature names them."""

from __future__ import annotations

from tests.conftest import verify_tree, write_tree

RULE = "pydantic-custom-base-model"

BASE = "from pydantic import BaseModel, ConfigDict\n\n\nclass Schema(BaseModel):\n    model_config = ConfigDict()\n"
SCHEMAS = """\
from pydantic import BaseModel

from src.models import Schema


class PostIn(Schema):
    title: str


class PostOut(BaseModel):
    id: int


class PostPage(BaseModel):
    items: list[int]


class PostMail(BaseModel):
    to: str
"""
ROUTER = """\
from fastapi import APIRouter

from src.posts.schemas import PostIn, PostMail, PostOut, PostPage

router = APIRouter()


@router.post("", response_model=PostOut)
async def create(data: PostIn):
    PostMail(to="a@b.c")
    return {"id": 1}


@router.get("")
async def listing() -> "PostPage":
    return PostPage(items=[])
"""


def test_response_model_and_string_annotations_count_a_payload_built_in_the_body_does_not(tmp_path, pack):
    write_tree(tmp_path, {"src/models.py": BASE, "src/posts/schemas.py": SCHEMAS, "src/posts/router.py": ROUTER})
    found = {(f.path, f.line) for f in verify_tree(tmp_path, pack, select=(RULE,))}
    assert found == {("src/posts/schemas.py", 10), ("src/posts/schemas.py", 14)}
