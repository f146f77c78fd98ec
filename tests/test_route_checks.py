"""Route, async, REST, background, error and auth checks: what the records' examples cannot show (the cache,
partial trees, routers included where the checker cannot follow)."""

from __future__ import annotations

from bp_rules.validator.config import Config
from bp_rules.validator.engine import run
from bp_rules.validator.files import collect
from tests.conftest import verify_tree, write_tree

SERVICE = """\
async def increment_views(post_id: int) -> None:
    ...
"""
ROUTER = """\
from fastapi import APIRouter

from src.posts import service

router = APIRouter(prefix="/posts", tags=["posts"])


@router.get("/{post_id}")
async def get_post(post_id: int) -> dict[str, int]:
    \"\"\"Return one post.\"\"\"
    service.increment_views(post_id)
    return {"id": post_id}
"""


def _lines(findings, rule: str) -> list[tuple[str, int]]:
    return sorted((f.path, f.line) for f in findings if f.rule == rule)


def test_facts_survive_the_cache_and_follow_the_other_file(tmp_path, pack):
    """The router's facts are cached; phase 2 reruns when only the service changes."""
    rule = "async-await-async-io"
    write_tree(tmp_path, {"src/posts/service.py": SERVICE, "src/posts/router.py": ROUTER})
    config = Config(root=tmp_path.resolve(), select=(rule,))

    def findings():
        return _lines(run(pack, config, collect([tmp_path], config)).findings, rule)

    assert findings() == [("src/posts/router.py", 11)]
    write_tree(tmp_path, {"src/posts/service.py": SERVICE.replace("async def", "def")})
    assert findings() == []  # a sync function now: the router, read from the cache, is fine
    write_tree(tmp_path, {"src/posts/service.py": SERVICE})
    assert findings() == [("src/posts/router.py", 11)]


DEPENDENCY = """\
from typing import Annotated
from uuid import UUID

from fastapi import Depends


async def valid_profile_id(profile_id: UUID) -> dict:
    return {"id": profile_id}


ProfileDep = Annotated[dict, Depends(valid_profile_id)]
"""
POSTS = """\
from fastapi import APIRouter

from src.profiles.dependencies import ProfileDep

router = APIRouter(tags=["posts"])


@router.get("/posts/{post_id}")
async def get_post(post_id: int, profile: ProfileDep) -> dict:
    \"\"\"Return one post of a profile.\"\"\"
    return {"id": post_id, "author": profile["id"]}
"""


def test_a_prefix_the_checker_cannot_attribute_keeps_path_params_quiet(tmp_path, pack):
    rule = "rest-consistent-path-params"
    write_tree(tmp_path, {"src/profiles/dependencies.py": DEPENDENCY, "src/posts/router.py": POSTS})
    assert _lines(verify_tree(tmp_path, pack, select=(rule,)), rule) == [("src/posts/router.py", 8)]
    main = """\
from fastapi import FastAPI

from src.plugins import load_routers

app = FastAPI()
for plugin_router in load_routers():
    app.include_router(plugin_router, prefix="/profiles/{profile_id}")
"""
    write_tree(tmp_path, {"src/main.py": main})
    assert _lines(verify_tree(tmp_path, pack, select=(rule,)), rule) == []


def test_decode_helper_without_visible_callers_or_with_a_global_handler(tmp_path, pack):
    rule = "auth-catch-invalid-token"
    helper = """\
import jwt


def decode_token(token: str, key: str) -> dict:
    return jwt.decode(token, key, algorithms=["HS256"])
"""
    dependency = """\
from src.auth.security import decode_token


async def current_claims(token: str) -> dict:
    return decode_token(token, "secret")
"""
    write_tree(tmp_path, {"src/auth/security.py": helper})
    assert _lines(verify_tree(tmp_path, pack, select=(rule,)), rule) == []  # nobody calls it here
    write_tree(tmp_path, {"src/auth/dependencies.py": dependency})
    assert _lines(verify_tree(tmp_path, pack, select=(rule,)), rule) == [("src/auth/security.py", 5)]
    main = """\
from fastapi import FastAPI
from jwt import InvalidTokenError

from src.auth.handlers import invalid_token

app = FastAPI(exception_handlers={InvalidTokenError: invalid_token})
"""
    write_tree(tmp_path, {"src/main.py": main})
    assert _lines(verify_tree(tmp_path, pack, select=(rule,)), rule) == []


def test_a_lookup_that_raises_something_else_than_not_found(tmp_path, pack):
    rule = "deps-validate-in-dependencies"
    router = """\
from fastapi import APIRouter, HTTPException

from src.posts import service

router = APIRouter(prefix="/posts")


@router.post("/{post_id}/likes")
async def like_post(post_id: int) -> dict:
    \"\"\"Like a post.\"\"\"
    post = await service.get_by_id(post_id)
    if post is None:
        raise HTTPException(status_code=409, detail="gone")
    return await service.like(post)
"""
    write_tree(tmp_path, {"src/posts/router.py": router})
    assert _lines(verify_tree(tmp_path, pack, select=(rule,)), rule) == []
    write_tree(tmp_path, {"src/posts/router.py": router.replace("409", "404")})
    assert _lines(verify_tree(tmp_path, pack, select=(rule,)), rule) == [("src/posts/router.py", 11)]


def test_create_task_handed_to_a_task_set_is_owned(tmp_path, pack):
    rule = "bg-no-bare-create-task"
    router = """\
import asyncio

from fastapi import APIRouter

from src.posts import service
from src.posts.tasks import running

router = APIRouter(prefix="/posts")


@router.post("/{post_id}/views")
async def count_view(post_id: int) -> dict:
    \"\"\"Count a view.\"\"\"
    task = asyncio.create_task(service.increment_views(post_id))
    running.add(task)
    return {"id": post_id}
"""
    write_tree(tmp_path, {"src/posts/router.py": router})
    assert _lines(verify_tree(tmp_path, pack, select=(rule,)), rule) == []
    write_tree(tmp_path, {"src/posts/router.py": router.replace("    running.add(task)\n", "")})
    assert _lines(verify_tree(tmp_path, pack, select=(rule,)), rule) == [("src/posts/router.py", 14)]


RATES_CLIENT = """\
import requests


def fetch_rates(base: str) -> dict[str, float]:
    return requests.get(f"https://rates.example/{base}", timeout=5).json()
"""
RATES_SERVICE = """\
from src.rates.client import fetch_rates


async def load_rates(base: str) -> dict[str, float]:
    return fetch_rates(base)
"""
RATES_ROUTER = """\
from fastapi import APIRouter

from src.rates import service

router = APIRouter(prefix="/rates", tags=["rates"])


@router.get("/{base}")
async def get_rates(base: str) -> dict[str, float]:
    \"\"\"Return exchange rates.\"\"\"
    return await service.load_rates(base)
"""
RATES_CLI = """\
import asyncio

import typer

from src.rates.service import load_rates

cli = typer.Typer()


@cli.command()
def show(base: str) -> None:
    print(asyncio.run(load_rates(base)))
"""


def test_blocking_call_message_says_how_a_request_reaches_it(tmp_path, pack):
    rule = "async-no-blocking-io-in-async-route"
    tree = {"src/rates/client.py": RATES_CLIENT, "src/rates/service.py": RATES_SERVICE}
    write_tree(tmp_path, {**tree, "src/rates/router.py": RATES_ROUTER, "src/rates/cli.py": RATES_CLI})
    findings = [f for f in verify_tree(tmp_path, pack, select=(rule,)) if f.rule == rule]
    assert [(f.path, f.line) for f in findings] == [("src/rates/service.py", 5)]
    assert "(route get_rates -> load_rates -> fetch_rates -> requests.get)" in findings[0].message


def test_a_coroutine_only_a_cli_command_runs_is_not_reported(tmp_path, pack):
    rule = "async-no-blocking-io-in-async-route"
    tree = {"src/rates/client.py": RATES_CLIENT, "src/rates/service.py": RATES_SERVICE}
    write_tree(tmp_path, {**tree, "src/rates/cli.py": RATES_CLI})
    assert [f for f in verify_tree(tmp_path, pack, select=(rule,)) if f.rule == rule] == []
