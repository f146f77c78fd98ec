"""`verify --fix`, `--unsafe-fixes`, `--diff`, `verify diff --fix`, and fixes in the JSON and SARIF reports."""

from __future__ import annotations

import json
import shutil

import pytest

from bp_rules.fixes.describe import fix_source
from bp_rules.fixes.edits import Edit, apply_edits
from bp_rules.fixes.session import fix_project, write_fixed
from bp_rules.validator.config import Config
from bp_rules.validator.files import collect
from tests.conftest import write_tree
from tests.verify_cli import PYPROJECT, git, use_session_pack, verify

# line 11: deps-annotated (safe fix); line 6: pydantic-strenum (unsafe fix)
ROUTER = """\
from enum import Enum

from fastapi import APIRouter, Depends


class Status(str, Enum):
    OPEN = "open"


router = APIRouter(tags=["items"])


async def current_user() -> str:
    return "me"


@router.get("/items", summary="List items", response_model=list[str])
async def list_items(user: str = Depends(current_user)) -> list[str]:
    \"\"\"Return the items.\"\"\"
    return [user]
"""
FIXED_LINE = "async def list_items(user: Annotated[str, Depends(current_user)]) -> list[str]:"


@pytest.fixture
def project(tmp_path, monkeypatch, pack):
    use_session_pack(monkeypatch, pack)
    write_tree(tmp_path, {"pyproject.toml": PYPROJECT, "src/items/router.py": ROUTER})
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _select(*rules: str) -> list[str]:
    return [arg for rule in rules for arg in ("--select", rule)]


def test_diff_prints_the_fix_writes_nothing_and_exits_1(project, capsys):
    outcome = verify(capsys, "--no-cache", "--diff", *_select("deps-annotated"))
    assert outcome.code == 1
    assert f"+{FIXED_LINE}" in outcome.out and "+from typing import Annotated" in outcome.out
    assert outcome.out.startswith("--- a/src/items/router.py\n+++ b/src/items/router.py\n")
    assert (project / "src/items/router.py").read_text() == ROUTER
    assert "would fix 1 finding(s) in 1 file(s): deps-annotated 1" in outcome.err


def test_diff_with_nothing_to_fix_exits_0(project, capsys):
    outcome = verify(capsys, "--no-cache", "--diff", *_select("docs-route-metadata"))
    assert (outcome.code, outcome.out) == (0, "")


def test_fix_applies_safe_fixes_only_and_reports_what_is_left(project, capsys):
    outcome = verify(capsys, "--no-cache", "--fix", *_select("deps-annotated", "pydantic-strenum"))
    text = (project / "src/items/router.py").read_text()
    assert FIXED_LINE in text and "from typing import Annotated\n" in text
    assert "class Status(str, Enum):" in text  # unsafe: not without --unsafe-fixes
    assert outcome.code == 1 and "pydantic-strenum" in outcome.out and "deps-annotated" not in outcome.out
    assert "fixed 1 finding(s) in 1 file(s): deps-annotated 1" in outcome.err


def test_unsafe_fixes_apply_the_unsafe_ones_too(project, capsys):
    outcome = verify(capsys, "--no-cache", "--fix", "--unsafe-fixes", *_select("deps-annotated", "pydantic-strenum"))
    text = (project / "src/items/router.py").read_text()
    assert "class Status(StrEnum):" in text and "from enum import StrEnum\n" in text and FIXED_LINE in text
    assert outcome.code == 0 and "All checks passed" in outcome.out


def test_unsafe_fixes_alone_is_a_usage_error(project, capsys):
    assert verify(capsys, "--unsafe-fixes").code == 2


def test_json_carries_each_fix_as_edits_that_reproduce_the_fixed_file(project, capsys):
    outcome = verify(capsys, "--no-cache", "--format", "json", *_select("deps-annotated", "pydantic-strenum"))
    items = {item["rule"]: item for item in json.loads(outcome.out)}
    fix = items["deps-annotated"]["autofix"]
    assert fix["applicability"] == "safe"
    assert items["pydantic-strenum"]["autofix"]["applicability"] == "unsafe"
    fixed = apply_edits(ROUTER, [Edit(**edit) for edit in fix["edits"]])
    assert FIXED_LINE in fixed and fixed.startswith("from enum import Enum\nfrom typing import Annotated\n")


def test_sarif_carries_fixes(project, capsys):
    outcome = verify(capsys, "--no-cache", "--format", "sarif", *_select("deps-annotated"))
    (result,) = json.loads(outcome.out)["runs"][0]["results"]
    (fix,) = result["fixes"]
    assert fix["properties"] == {"applicability": "safe"}
    change = fix["artifactChanges"][0]
    assert change["artifactLocation"]["uri"] == "src/items/router.py"
    assert any("Annotated[str, " in r["insertedContent"]["text"] for r in change["replacements"])


def test_a_file_changed_since_it_was_read_is_left_alone(project, pack):
    config = Config(root=project.resolve(), select=("deps-annotated",))
    outcome = fix_project(pack, config, collect([project], config), jobs=1, use_cache=False)
    assert outcome.fixed
    edited = ROUTER + "# edited meanwhile\n"
    (project / "src/items/router.py").write_text(edited)
    written, skipped = write_fixed(project, outcome)
    assert (written, skipped) == ([], ["src/items/router.py"])
    assert (project / "src/items/router.py").read_text() == edited
    assert not [p for p in (project / "src/items").iterdir() if p.name != "router.py"]  # no temp file left


def test_fix_source_fixes_code_in_memory(pack):
    fixed, applied = fix_source(ROUTER, "src/items/router.py", pack=pack, select=("deps-annotated",))
    assert FIXED_LINE in fixed and applied == {"deps-annotated": 1}
    with pytest.raises(ValueError, match="leaves the project"):
        fix_source(ROUTER, "../outside.py", pack=pack)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_verify_diff_fix_fixes_only_what_the_change_added(project, capsys):
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "base")
    added = (
        "\n\n@router.get('/other', summary='Other', response_model=list[str])\n"
        "async def other(user: str = Depends(current_user)) -> list[str]:\n"
        '    """Return more."""\n    return [user]\n'
    )
    (project / "src/items/router.py").write_text(ROUTER + added)
    outcome = verify(capsys, "diff", "--no-cache", "--fix", *_select("deps-annotated"))
    text = (project / "src/items/router.py").read_text()
    assert "async def other(user: Annotated[str, Depends(current_user)]) -> list[str]:" in text
    assert "async def list_items(user: str = Depends(current_user))" in text  # not part of the change
    assert outcome.code == 0


def test_fix_touches_only_the_files_named(project, capsys):
    write_tree(project, {"src/orders/router.py": ROUTER})
    outcome = verify(capsys, "--no-cache", "--fix", *_select("deps-annotated"), "src/items/router.py")
    assert outcome.code == 0, outcome.out + outcome.err
    assert FIXED_LINE in (project / "src/items/router.py").read_text(encoding="utf-8")
    assert (project / "src/orders/router.py").read_text(encoding="utf-8") == ROUTER  # read, not fixed


def test_fixes_needing_a_newer_python_than_the_project_allows_are_left_out(project, capsys):
    (project / "pyproject.toml").write_text(
        PYPROJECT.replace('version = "0.1.0"', 'version = "0.1.0"\nrequires-python = ">=3.9"')
    )
    verify(capsys, "--no-cache", "--fix", "--unsafe-fixes", *_select("pydantic-strenum"))
    assert "class Status(str, Enum):" in (project / "src/items/router.py").read_text()
    (project / "pyproject.toml").write_text(
        PYPROJECT.replace('version = "0.1.0"', 'version = "0.1.0"\nrequires-python = ">=3.11,<4"')
    )
    verify(capsys, "--no-cache", "--fix", "--unsafe-fixes", *_select("pydantic-strenum"))
    assert "class Status(StrEnum):" in (project / "src/items/router.py").read_text()
