"""Where FastAPI runs dependencies, how large its threadpool is, and what bcrypt does with the GIL."""

from __future__ import annotations

import threading
import time
from typing import Annotated

import anyio.to_thread
import bcrypt
from fastapi import Depends, FastAPI

from tests.facts.asgi import request
from tests.facts.backs import backs

seen: dict[str, object] = {}


class Pagination:
    def __init__(self, page: int = 1) -> None:
        seen["class"] = threading.current_thread()


def sync_dependency() -> None:
    seen["def"] = threading.current_thread()


async def async_dependency() -> None:
    seen["async def"] = threading.current_thread()


app = FastAPI()


@app.get("/")
async def route(
    _pagination: Annotated[Pagination, Depends()],
    _sync: Annotated[None, Depends(sync_dependency)],
    _async: Annotated[None, Depends(async_dependency)],
) -> None:
    seen["route"] = threading.current_thread()
    seen["tokens"] = anyio.to_thread.current_default_thread_limiter().total_tokens


def _serve() -> dict[str, object]:
    seen.clear()
    assert request(app, "GET", "/").status_code == 200
    return seen


@backs("deps-prefer-async")
def test_class_dependencies_and_def_dependencies_run_in_the_threadpool():
    served = _serve()
    loop_thread = served["route"]
    assert served["async def"] is loop_thread
    assert served["def"] is not loop_thread
    assert served["class"] is not loop_thread


@backs("async-threadpool-budget")
def test_the_default_threadpool_has_40_tokens():
    assert _serve()["tokens"] == 40


@backs("async-cpu-bound-offload")
def test_bcrypt_releases_the_gil_while_it_hashes():
    salt = bcrypt.gensalt(rounds=11)
    done = threading.Event()

    def hash_password() -> None:
        bcrypt.hashpw(b"correct horse battery staple", salt)
        done.set()

    started = time.perf_counter()
    worker = threading.Thread(target=hash_password)
    longest_stall, last = 0.0, time.perf_counter()
    worker.start()
    while not done.is_set():
        now = time.perf_counter()
        longest_stall, last = max(longest_stall, now - last), now
    worker.join()
    # A call that held the GIL would stall this loop for the whole hash.
    assert longest_stall < (time.perf_counter() - started) / 4
