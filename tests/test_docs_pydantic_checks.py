"""Docs and Pydantic checks: what the records' examples cannot show (configuration, caching, partial trees)."""

from __future__ import annotations

from bp_rules.validator.config import Config
from bp_rules.validator.engine import run
from bp_rules.validator.files import collect
from tests.conftest import verify_tree, write_tree

MAIN = """\
from fastapi import FastAPI

from src.posts.router import router as posts_router

app = FastAPI(title="Public API")
app.include_router(posts_router)
"""
ROUTER = """\
from fastapi import APIRouter

router = APIRouter(prefix="/posts")


@router.get("/{post_id}")
async def get_post(post_id: int) -> dict[str, int]:
    \"\"\"Return one post.\"\"\"
    return {"id": post_id}
"""


def _rules(findings, rule: str) -> list[tuple[str, int]]:
    return sorted((f.path, f.line) for f in findings if f.rule == rule)


def test_public_api_turns_off_docs_hidden_by_default(tmp_path, pack):
    write_tree(tmp_path, {"src/main.py": MAIN, "src/posts/router.py": ROUTER})
    rule = "docs-hidden-by-default"
    assert _rules(verify_tree(tmp_path, pack, select=(rule,)), rule) == [("src/main.py", 5)]
    assert _rules(verify_tree(tmp_path, pack, select=(rule,), public_api=True), rule) == []


def test_routes_of_a_router_factory_hidden_from_the_schema(tmp_path, pack):
    factory = """\
from fastapi import APIRouter


def oauth_router(identifier: str) -> APIRouter:
    router = APIRouter(prefix=f"/{identifier}", include_in_schema=False)

    @router.get("/authorize")
    async def authorize():
        return {}

    return router
"""
    write_tree(tmp_path, {"src/auth/router.py": factory})
    rule = "docs-route-metadata"
    assert _rules(verify_tree(tmp_path, pack, select=(rule,)), rule) == []
    write_tree(tmp_path, {"src/auth/router.py": factory.replace(", include_in_schema=False", "")})
    assert _rules(verify_tree(tmp_path, pack, select=(rule,)), rule) == [("src/auth/router.py", 7)]


def test_facts_with_spans_survive_the_cache(tmp_path, pack):
    """Phase 2 reruns on cached summaries when another file changes; facts must keep their spans."""
    write_tree(tmp_path, {"src/main.py": MAIN, "src/posts/router.py": ROUTER})
    config = Config(root=tmp_path.resolve(), select=("docs-route-metadata",))

    def findings():
        return [(f.path, f.line, f.col, f.message) for f in run(pack, config, collect([tmp_path], config)).findings]

    cold = findings()
    assert [(p, line) for p, line, _, _ in cold] == [("src/posts/router.py", 6)]
    write_tree(tmp_path, {"src/main.py": MAIN.replace("Public API", "Posts API")})  # router.py stays cached
    assert findings() == cold


def test_schema_fallback_for_a_base_outside_the_checked_tree(tmp_path, pack):
    """`CustomModel` from a module that is not checked: a model in `schemas.py`, unknown elsewhere."""
    code = """\
from typing import Optional

from src.models import CustomModel


class PostFilter(CustomModel):
    author_id: Optional[int] = None
"""
    write_tree(tmp_path, {"src/posts/schemas.py": code, "src/posts/service.py": code})
    rule = "pydantic-pep604-optional"
    assert _rules(verify_tree(tmp_path, pack, select=(rule,)), rule) == [("src/posts/schemas.py", 7)]
    write_tree(
        tmp_path, {"src/models.py": "from pydantic import BaseModel\n\n\nclass CustomModel(BaseModel):\n    pass\n"}
    )
    assert _rules(verify_tree(tmp_path, pack, select=(rule,)), rule) == [
        ("src/posts/schemas.py", 7),
        ("src/posts/service.py", 7),
    ]


def test_v1_methods_need_a_known_model_and_respect_its_own_methods(tmp_path, pack):
    schemas = """\
from pydantic import BaseModel


class PostOut(BaseModel):
    id: int


class Page(BaseModel):
    items: list[PostOut]

    def dict(self) -> dict:
        return {"items": [item.model_dump() for item in self.items]}
"""
    service = """\
from src.posts.schemas import Page, PostOut


def dump(post: PostOut, page: Page, row) -> list:
    return [post.dict(), page.dict(), row.dict()]
"""
    write_tree(tmp_path, {"src/posts/schemas.py": schemas, "src/posts/service.py": service})
    rule = "pydantic-no-v1-api"
    findings = [f for f in verify_tree(tmp_path, pack, select=(rule,)) if f.rule == rule]
    assert [(f.path, f.line, f.col) for f in findings] == [("src/posts/service.py", 5, 13)]
    assert "`PostOut`" in findings[0].message
