"""Ruff's FastAPI rules run from a plain `select = ["FAST"]`, without preview mode, at the tested-with ruff and at
the matrix's minimum (from the minimums environment the examples check builds)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bp_rules.schema.loader import load_pack
from tests.example_imports import minimums_environment
from tests.facts.backs import backs

ROUTE = """\
from fastapi import Depends, FastAPI

app = FastAPI()


def get_db():
    return None


@app.get("/items")
async def list_items(db: str = Depends(get_db)):
    return []
"""


@backs("tooling-ruff")
def test_select_fast_reports_fast002_without_preview(tmp_path: Path):
    (tmp_path / "main.py").write_text(ROUTE)
    ruff = Path(sys.executable).with_name("ruff")
    result = subprocess.run(
        [str(ruff), "check", "--no-cache", "--isolated", "--select", "FAST", "--output-format", "concise", "main.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "FAST002" in result.stdout, result.stdout + result.stderr


@backs("tooling-ruff-check-subcommand")
def test_a_bare_ruff_path_is_an_error_not_a_lint_run(tmp_path: Path):
    (tmp_path / "main.py").write_text(ROUTE)
    ruff = Path(sys.executable).with_name("ruff")
    bare = subprocess.run([str(ruff), "main.py"], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert bare.returncode == 2, bare.stdout + bare.stderr
    check = subprocess.run(
        [str(ruff), "check", "--isolated", "main.py"], cwd=tmp_path, capture_output=True, check=False
    )
    assert check.returncode == 0


@backs("versions-minimums")
def test_the_minimum_ruff_already_runs_fast_rules_without_preview(tmp_path: Path):
    """The matrix's ruff minimum is the release where `select = ["FAST"]` works without preview mode."""
    (tmp_path / "main.py").write_text(ROUTE)
    ruff = minimums_environment(load_pack()).with_name("ruff")
    result = subprocess.run(
        [str(ruff), "check", "--no-cache", "--isolated", "--select", "FAST", "--output-format", "concise", "main.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "FAST002" in result.stdout, result.stdout + result.stderr
