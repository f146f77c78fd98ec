"""A small FastAPI project that is clean under every rule, and the edits the agent-loop tests make to it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import write_tree

PYPROJECT = """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["fastapi>=0.115", "httpx>=0.27", "requests>=2.32"]

[tool.ruff]
line-length = 100

[tool.bp-rules]
public-api = true
"""

RATES = '''\
"""Exchange rates from the rates service."""

import requests


def load_rates(currency: str) -> dict[str, float]:
    """Fetch the current rates of one currency."""
    return requests.get(f"https://rates.example/{currency}", timeout=5).json()
'''

MAIN = '''\
"""The application."""

from fastapi import APIRouter, FastAPI

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    """Report that the service is up."""
    return {"status": "ok"}


app = FastAPI()
app.include_router(router)
'''


def with_quote_route(*, fixed: bool) -> str:
    """main.py after an edit that adds a route calling `requests.get`, in an async route or (fixed) a sync one."""
    route = f'''

@router.get("/quote")
{"def" if fixed else "async def"} quote(currency: str) -> dict[str, float]:
    """Quote the rates of one currency."""
    return requests.get(f"https://rates.example/{{currency}}", timeout=5).json()
'''
    text = MAIN.replace("from fastapi import", "import requests\nfrom fastapi import")
    return text.replace("\n\napp = FastAPI()", route + "\n\napp = FastAPI()")


def with_rates_route(*, fixed: bool) -> str:
    """main.py after an edit that adds a route calling the existing sync helper `app.rates.load_rates`."""
    route = f'''

@router.get("/rates")
{"def" if fixed else "async def"} rates(currency: str) -> dict[str, float]:
    """The rates of one currency."""
    return load_rates(currency)
'''
    text = MAIN.replace(
        "from fastapi import APIRouter, FastAPI\n",
        "from fastapi import APIRouter, FastAPI\n\nfrom app.rates import load_rates\n",
    )
    return text.replace("\n\napp = FastAPI()", route + "\n\napp = FastAPI()")


def make_project(root: Path, *, git: bool = True) -> Path:
    write_tree(root, {"pyproject.toml": PYPROJECT, "app/__init__.py": "", "app/rates.py": RATES, "app/main.py": MAIN})
    if git and shutil.which("git"):
        run = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false"]
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        subprocess.run([*run, "-C", str(root), "add", "-A"], check=True)
        subprocess.run([*run, "-C", str(root), "commit", "-qm", "init"], check=True)
    return root


def bp_rules_command() -> list[str]:
    """The installed `bp-rules` script of this interpreter (what the agents' settings files run)."""
    script = Path(sys.executable).parent / "bp-rules"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from bp_rules.cli import main; sys.exit(main())"]
