"""Where FastAPI runs dependencies, how large its threadpool is, and what bcrypt does with the GIL."""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Annotated

import anyio.to_thread
import bcrypt
import pytest
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


def _longest_stall(work) -> tuple[float, float]:
    """Run `work` in a thread while this thread keeps looping: (longest pause of the loop, total time)."""
    done = threading.Event()

    def run() -> None:
        work()
        done.set()

    started = time.perf_counter()
    worker = threading.Thread(target=run)
    longest, last = 0.0, time.perf_counter()
    worker.start()
    while not done.is_set():
        now = time.perf_counter()
        longest, last = max(longest, now - last), now
    worker.join()
    return longest, time.perf_counter() - started


@backs("async-cpu-bound-offload")
@pytest.mark.parametrize(
    "work",
    [
        pytest.param(lambda: bcrypt.hashpw(b"correct horse", bcrypt.gensalt(rounds=11)), id="bcrypt.hashpw"),
        pytest.param(lambda: hashlib.pbkdf2_hmac("sha256", b"correct horse", b"salt" * 4, 300_000), id="pbkdf2"),
        pytest.param(
            lambda: hashlib.scrypt(b"correct horse", salt=b"salt" * 4, n=2**15, r=8, p=1, maxmem=2**26), id="scrypt"
        ),
    ],
)
def test_password_hashing_releases_the_gil(work):
    longest, total = _longest_stall(work)
    # A call that held the GIL would pause this thread's loop for (nearly) the whole hash.
    assert longest < total / 2
