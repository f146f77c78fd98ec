"""Types where the code states them: what phase 1 records and how phase 2 follows calls through them."""

from __future__ import annotations

import libcst as cst

from bp_rules.validator.indexer import Indexer
from tests.conftest import verify_tree, write_tree

DEPS = """\
from collections.abc import AsyncIterator, Generator
from typing import Annotated, Optional

from sqlalchemy.orm import Session
from sqlalchemy.ext.asyncio import AsyncSession


def sync_session() -> Generator[Session, None, None]: ...
async def async_session() -> AsyncIterator[AsyncSession]: ...
def maybe() -> Optional[Session]: ...
def union() -> None | Session: ...
def annotated() -> Annotated[Session, "db"]: ...
def forward() -> "Session": ...
def plain() -> list[Session]: ...


class Repo:
    session: Session

    def __init__(self, session: Session, name: str) -> None:
        self.client = Client()
        self.db = session
        self.label: str = name
"""


def _summary(code: str, module: str = "app.deps"):
    return Indexer("app/deps.py", module).run(cst.parse_module(code))


def test_return_types_unwrap_generators_optionals_and_annotated():
    returns = {fn.name: fn.returns for fn in _summary(DEPS).functions}
    assert returns["sync_session"] == "sqlalchemy.orm.Session"
    assert returns["async_session"] == "sqlalchemy.ext.asyncio.AsyncSession"
    assert returns["maybe"] == returns["union"] == returns["annotated"] == "sqlalchemy.orm.Session"
    assert returns["forward"] == "sqlalchemy.orm.Session"
    assert returns["plain"] == "builtins.list"


def test_instance_attributes_from_the_class_body_and_init():
    (repo,) = _summary(DEPS).classes
    assert repo.attributes == {
        "session": "sqlalchemy.orm.Session",
        "db": "sqlalchemy.orm.Session",
        "label": "builtins.str",
    }


ROUTER = """\
from fastapi import APIRouter, Depends

from src.db import get_db

router = APIRouter(prefix="/things", tags=["things"])


@router.get("/{thing_id}")
async def get_thing(thing_id: int, db=Depends(get_db)) -> dict[str, int]:
    \"\"\"Return one thing.\"\"\"
    return db.get_thing(thing_id)
"""
DB = """\
from collections.abc import Iterator

from src.store import Store


def get_db() -> Iterator[Store]:
    yield Store()
"""
STORE = """\
import time


class BaseStore:
    def get_thing(self, thing_id: int) -> dict[str, int]:
        time.sleep(1)
        return {"id": thing_id}


class Store(BaseStore):
    pass
"""


def test_a_call_on_an_unannotated_injected_parameter_reaches_the_inherited_method(tmp_path, pack):
    rule = "async-no-blocking-io-in-async-route"
    write_tree(tmp_path, {"src/things/router.py": ROUTER, "src/db.py": DB, "src/store.py": STORE})
    findings = [f for f in verify_tree(tmp_path, pack, select=(rule,)) if f.rule == rule]
    assert [(f.path, f.line) for f in findings] == [("src/things/router.py", 11)]
    assert "get_thing -> time.sleep" in findings[0].message
