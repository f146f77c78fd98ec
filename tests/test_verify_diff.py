"""`bp-rules verify diff`: only findings on lines a change adds or modifies, in real git repositories."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bp_rules.validator.diff import parse_unified
from bp_rules.validator.registry import FILE_CHECKS, PROJECT_CHECKS, load_builtin_checks
from tests.conftest import write_tree
from tests.verify_cli import PYPROJECT, git, rules_at, use_session_pack, verify

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

load_builtin_checks()
BLOCKING_RULE = "async-no-blocking-io-in-async-route"
HAS_BLOCKING_CHECK = BLOCKING_RULE in FILE_CHECKS or BLOCKING_RULE in PROJECT_CHECKS
JOSE = "auth-pyjwt-not-jose"

# a committed file with a finding on line 1 that no change touches
BASE = """\
import jose

LIMIT = 10


def double(x: int) -> int:
    return 2 * x
"""


@pytest.fixture(autouse=True)
def _fast_pack(monkeypatch, pack):
    use_session_pack(monkeypatch, pack)


def _commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    write_tree(root, {"pyproject.toml": PYPROJECT, ".gitignore": "*.log\n", "app/base.py": BASE})
    _commit(root, "init")
    monkeypatch.chdir(root)
    return root


def _diff(capsys, *args: str):
    outcome = verify(capsys, "diff", "--no-cache", *args)
    assert outcome.code in (0, 1), outcome.err
    return outcome, rules_at(outcome.out)


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_a_clean_tree_has_nothing_to_report(repo, capsys):
    outcome, found = _diff(capsys)
    assert (outcome.code, found) == (0, set())
    # the committed finding exists: a full run reports it
    assert rules_at(verify(capsys, "--no-cache").out) == {("app/base.py", 1, JOSE)}


def test_default_mode_is_working_tree_and_untracked_files_against_head(repo, capsys):
    _append(repo / "app/base.py", "\nfrom jose import jwt\n")  # lines 8-9 (unstaged)
    write_tree(repo, {"app/new.py": "X = 1\nimport jose\n"})  # untracked
    write_tree(repo, {"app/staged.py": "import jose.jwt\n"})
    git(repo, "add", "app/staged.py")
    write_tree(repo, {"debug.log": "import jose\n", "app/ignored.log": "x"})
    outcome, found = _diff(capsys)
    assert outcome.code == 1
    assert found == {("app/base.py", 9, JOSE), ("app/new.py", 2, JOSE), ("app/staged.py", 1, JOSE)}


def test_a_finding_on_an_unchanged_line_is_not_reported(repo, capsys):
    source = BASE.replace("LIMIT = 10", "from jose import jwt")  # a modified line in the middle
    (repo / "app/base.py").write_text(source, encoding="utf-8")
    _, found = _diff(capsys)
    assert found == {("app/base.py", 3, JOSE)}
    assert ("app/base.py", 1, JOSE) in rules_at(verify(capsys, "--no-cache").out)


def test_staged_checks_only_the_index(repo, capsys):
    write_tree(repo, {"app/one.py": "import jose\n", "app/two.py": "X = 1\n"})
    _commit(repo, "two files")
    _append(repo / "app/one.py", "from jose import jwt\n")  # staged
    git(repo, "add", "app/one.py")
    _append(repo / "app/two.py", "import jose\n")  # modified, not staged
    write_tree(repo, {"app/untracked.py": "import jose\n"})
    outcome, found = _diff(capsys, "--staged")
    assert outcome.code == 1
    assert found == {("app/one.py", 2, JOSE)}


def test_staged_with_nothing_staged_is_clean(repo, capsys):
    _append(repo / "app/base.py", "import jose.jwt\n")
    outcome, found = _diff(capsys, "--staged")
    assert (outcome.code, found) == (0, set())


def test_base_reports_everything_since_the_merge_base(repo, capsys):
    git(repo, "checkout", "-q", "-b", "feature")
    write_tree(repo, {"app/first.py": "import jose\n"})
    _commit(repo, "feature 1")
    _append(repo / "app/first.py", "from jose import jwt\n")
    _commit(repo, "feature 2")
    # main moves on after the branch point: its change must not be blamed on the feature
    git(repo, "checkout", "-q", "main")
    (repo / "app/base.py").write_text(BASE.replace("import jose\n", "import jwt\n"), encoding="utf-8")
    _commit(repo, "main fix")
    git(repo, "checkout", "-q", "feature")
    write_tree(repo, {"app/wip.py": "import jose\n"})  # untracked work counts too
    outcome, found = _diff(capsys, "--base", "main")
    assert outcome.code == 1
    assert found == {("app/first.py", 1, JOSE), ("app/first.py", 2, JOSE), ("app/wip.py", 1, JOSE)}


def test_explicit_range(repo, capsys):
    write_tree(repo, {"app/a.py": "import jose\n"})
    first = _commit(repo, "a")
    write_tree(repo, {"app/b.py": "X = 1\nfrom jose import jwt\n"})
    second = _commit(repo, "b")
    write_tree(repo, {"app/c.py": "import jose\n"})  # untracked: not part of a range
    assert _diff(capsys, "HEAD~1..HEAD")[1] == {("app/b.py", 2, JOSE)}
    assert _diff(capsys, f"{first}..{second}")[1] == {("app/b.py", 2, JOSE)}
    assert _diff(capsys, "HEAD~2..HEAD")[1] == {("app/a.py", 1, JOSE), ("app/b.py", 2, JOSE)}
    assert _diff(capsys, "HEAD~2..HEAD~1")[1] == {("app/a.py", 1, JOSE)}
    assert _diff(capsys, "HEAD~1..")[1] == {("app/b.py", 2, JOSE)}


def test_a_single_revision_compares_it_with_the_working_tree(repo, capsys):
    write_tree(repo, {"app/a.py": "import jose\n"})
    _commit(repo, "a")
    _append(repo / "app/base.py", "import jose.jwt\n")
    assert _diff(capsys, "HEAD~1")[1] == {("app/a.py", 1, JOSE), ("app/base.py", 8, JOSE)}


def test_renamed_file_reports_only_added_lines_under_the_new_name(repo, capsys):
    git(repo, "mv", "app/base.py", "app/renamed.py")
    _append(repo / "app/renamed.py", "from jose import jwt\n")
    git(repo, "add", "-A")
    for args in ((), ("--staged",)):
        outcome, found = _diff(capsys, *args)
        assert found == {("app/renamed.py", 8, JOSE)}, args
        assert "app/base.py" not in outcome.out


def test_pure_rename_reports_nothing(repo, capsys):
    git(repo, "mv", "app/base.py", "app/moved.py")
    _commit(repo, "move")
    outcome, found = _diff(capsys, "HEAD~1..HEAD")
    assert (outcome.code, found) == (0, set())


def test_deleted_file(repo, capsys):
    write_tree(repo, {"app/doomed.py": "import jose\n"})
    _commit(repo, "doomed")
    git(repo, "rm", "-q", "app/doomed.py")
    _append(repo / "app/base.py", "import jose.jwt\n")
    outcome, found = _diff(capsys)
    assert found == {("app/base.py", 8, JOSE)}
    assert "doomed" not in outcome.out
    git(repo, "commit", "-q", "-am", "delete")
    assert _diff(capsys, "HEAD~1..HEAD")[1] == {("app/base.py", 8, JOSE)}


def test_binary_file_in_the_change(repo, capsys):
    (repo / "app/logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")
    _append(repo / "app/base.py", "import jose.jwt\n")
    git(repo, "add", "-A")
    for args in ((), ("--staged",)):
        assert _diff(capsys, *args)[1] == {("app/base.py", 8, JOSE)}
    _commit(repo, "logo")
    (repo / "app/logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x01")
    outcome, found = _diff(capsys)
    assert (outcome.code, found) == (0, set())


def test_a_new_python_file_that_git_calls_binary_is_still_reported(repo, capsys):
    (repo / "app/broken.py").write_bytes(b"import jose\x00\n")
    git(repo, "add", "-A")
    outcome, found = _diff(capsys, "--staged")
    assert outcome.code == 1
    assert ("app/broken.py", 1, "syntax-error") in found


def test_repository_without_commits(tmp_path, monkeypatch, capsys):
    root = tmp_path / "fresh"
    root.mkdir()
    git(root, "init", "-q")
    write_tree(root, {"pyproject.toml": PYPROJECT, ".gitignore": "ignored.py\n", "a.py": "import jose\n"})
    write_tree(root, {"pkg/b.py": "X = 1\nfrom jose import jwt\n", "ignored.py": "import jose\n"})
    git(root, "add", "a.py")
    monkeypatch.chdir(root)
    outcome, found = _diff(capsys)
    assert outcome.code == 1
    assert found == {("a.py", 1, JOSE), ("pkg/b.py", 2, JOSE)}
    outcome, found = _diff(capsys, "--staged")  # only what is staged: pkg/b.py is not
    assert outcome.code == 1
    assert found == {("a.py", 1, JOSE)}


def test_paths_are_relative_to_a_subdirectory(repo, capsys, monkeypatch):
    _append(repo / "app/base.py", "import jose.jwt\n")
    monkeypatch.chdir(repo / "app")
    assert _diff(capsys)[1] == {("base.py", 8, JOSE)}


def test_diff_honours_the_config_of_the_repository(repo, capsys):
    write_tree(repo, {"pyproject.toml": PYPROJECT + '[tool.bp-rules]\nignore = ["auth"]\n'})
    _append(
        repo / "app/base.py",
        "import jose.jwt\nfrom fastapi import Depends\n\n\ndef f(x: int = Depends(g)):\n    pass\n",
    )
    _, found = _diff(capsys)
    assert {rule for _, _, rule in found} == {"deps-annotated"}


@pytest.mark.parametrize("args", [("--staged", "--base", "main"), ("HEAD~1..HEAD", "--staged")])
def test_more_than_one_selector_is_a_usage_error(repo, capsys, args):
    outcome = verify(capsys, "diff", "--no-cache", *args)
    assert outcome.code == 2
    assert "use one of REVS, --staged or --base" in outcome.err


def test_unknown_base_is_a_usage_error(repo, capsys):
    outcome = verify(capsys, "diff", "--no-cache", "--base", "no-such-branch")
    assert outcome.code == 2
    assert "git:" in outcome.err
    assert "Traceback" not in outcome.err


def test_outside_a_repository_is_a_usage_error(tmp_path, monkeypatch, capsys):
    write_tree(tmp_path / "plain", {"a.py": "import jose\n"})
    monkeypatch.chdir(tmp_path / "plain")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    outcome = verify(capsys, "diff", "--no-cache")
    assert outcome.code == 2
    assert "git:" in outcome.err


def test_a_path_with_a_space(repo, capsys):
    write_tree(repo, {"app/my module.py": "X = 1\n"})
    _commit(repo, "space")
    _append(repo / "app/my module.py", "import jose\n")
    assert _diff(capsys)[1] == {("app/my module.py", 2, JOSE)}


def test_parse_unified():
    text = (
        "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1,0 +2,3 @@\n+x\n+y\n+z\n@@ -9 +12 @@\n-q\n+r\n"
        "diff --git a/gone.py b/gone.py\n--- a/gone.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n"
        "diff --git a/b.py b/b.py\n--- a/b.py\n+++ b/b.py\n@@ -3 +2,0 @@\n-only a removal\n"
    )
    assert parse_unified(text) == {"a.py": {2, 3, 4, 12}}


ROUTE_BEFORE = """\
from fastapi import APIRouter

from app.helpers import load_rates

router = APIRouter()


@router.get("/rates")
async def rates():
    return {}
"""
HELPERS = """\
import requests


def load_rates():
    return requests.get("https://rates.example").json()
"""


@pytest.mark.skipif(not HAS_BLOCKING_CHECK, reason=f"{BLOCKING_RULE} has no python check registered")
def test_changed_route_calling_an_unchanged_blocking_helper(repo, capsys):
    write_tree(repo, {"app/__init__.py": "", "app/router.py": ROUTE_BEFORE, "app/helpers.py": HELPERS})
    _commit(repo, "route and helper")
    assert _diff(capsys)[1] == set()
    (repo / "app/router.py").write_text(ROUTE_BEFORE.replace("return {}", "return load_rates()"), encoding="utf-8")
    outcome, found = _diff(capsys)
    assert found == {("app/router.py", 10, BLOCKING_RULE)}
    assert "load_rates" in outcome.out and "requests.get" in outcome.out
    git(repo, "add", "-A")
    assert _diff(capsys, "--staged")[1] == {("app/router.py", 10, BLOCKING_RULE)}


def test_staged_reads_the_staged_content_not_the_working_tree(repo, capsys):
    (repo / "app/base.py").write_text(BASE + "from jose import jwt\n", encoding="utf-8")  # line 8, staged
    git(repo, "add", "app/base.py")
    # then, unstaged: the import is replaced and two lines go on top, which shifts every line of the file
    (repo / "app/base.py").write_text("A = 1\nB = 2\n" + BASE + "import jwt\n", encoding="utf-8")
    outcome, found = _diff(capsys, "--staged")
    assert found == {("app/base.py", 8, JOSE)}  # the staged line, at its staged number
    assert outcome.code == 1


def test_staged_new_file_that_was_deleted_from_the_working_tree(repo, capsys):
    write_tree(repo, {"app/new.py": "import jose\n"})
    git(repo, "add", "app/new.py")
    (repo / "app/new.py").unlink()
    assert _diff(capsys, "--staged")[1] == {("app/new.py", 1, JOSE)}


@pytest.mark.skipif(not HAS_BLOCKING_CHECK, reason=f"{BLOCKING_RULE} has no python check registered")
def test_staged_cross_file_context_is_the_staged_tree(repo, capsys):
    write_tree(repo, {"app/__init__.py": "", "app/router.py": ROUTE_BEFORE, "app/helpers.py": HELPERS})
    _commit(repo, "route and helper")
    (repo / "app/router.py").write_text(ROUTE_BEFORE.replace("return {}", "return load_rates()"), encoding="utf-8")
    git(repo, "add", "-A")
    # the working tree's helper no longer blocks, but the staged one (what the commit records) still does
    (repo / "app/helpers.py").write_text("def load_rates():\n    return {}\n", encoding="utf-8")
    assert _diff(capsys, "--staged")[1] == {("app/router.py", 10, BLOCKING_RULE)}
    assert _diff(capsys)[1] == set()


def test_paths_after_diff_limit_the_report(repo, capsys):
    write_tree(repo, {"app/one.py": "import jose\n", "lib/two.py": "import jose\n"})
    git(repo, "add", "-A")  # `diff HEAD` (a revision) compares tracked files only
    assert _diff(capsys)[1] == {("app/one.py", 1, JOSE), ("lib/two.py", 1, JOSE)}
    assert _diff(capsys, "app/")[1] == {("app/one.py", 1, JOSE)}
    assert _diff(capsys, "lib/two.py")[1] == {("lib/two.py", 1, JOSE)}
    assert _diff(capsys, "HEAD", "lib")[1] == {("lib/two.py", 1, JOSE)}


def test_a_path_after_diff_that_does_not_exist_is_refused(repo, capsys):
    outcome = verify(capsys, "diff", "--no-cache", "HEAD", "no/such/dir")
    assert outcome.code == 2
    assert "no/such/dir: no such file or directory" in outcome.err


def test_diff_usage_errors_name_verify_diff(repo, capsys):
    outcome = verify(capsys, "diff", "--bogus")
    assert outcome.code == 2
    assert "Usage: bp-rules verify diff [OPTIONS] [REVS] [PATHS]..." in outcome.err
