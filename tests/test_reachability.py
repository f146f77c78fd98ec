"""Who runs a coroutine: a request, or only a command-line command or the app's start-up."""

from __future__ import annotations

from tests.conftest import verify_tree, write_tree

RULE = "async-no-blocking-io-in-async-route"

CLI = """\
import asyncio
import time
from dataclasses import dataclass

import cappa


def write_env() -> None:
    time.sleep(1)


@cappa.command(help="Set the project up")
@dataclass
class Init:
    async def __call__(self) -> None:
        write_env()


async def helper_of_nobody() -> None:
    time.sleep(1)


def main() -> None:
    asyncio.run(cappa.invoke_async(Init))
"""

MAIN = """\
import asyncio
import time
from contextlib import asynccontextmanager

from fastapi import FastAPI


def wait_for_database() -> None:
    time.sleep(1)


async def migrate() -> None:
    time.sleep(1)


async def poll_forever() -> None:
    time.sleep(1)


@asynccontextmanager
async def lifespan(_app: FastAPI):
    wait_for_database()
    await migrate()
    task = asyncio.create_task(poll_forever())
    yield
    task.cancel()


app = FastAPI(lifespan=lifespan)
"""


def test_a_cappa_command_and_the_lifespan_start_up_hold_up_no_request(tmp_path, pack):
    write_tree(tmp_path, {"app/cli.py": CLI, "app/main.py": MAIN})
    found = {(f.path, f.line) for f in verify_tree(tmp_path, pack, select=(RULE,))}
    # the command's `__call__`, the lifespan and what it awaits run before (or apart from) serving; a coroutine
    # nobody is known to call, and one the lifespan starts as a task, are served
    assert found == {("app/cli.py", 20), ("app/main.py", 17)}
