"""`.bp-rules-cache/`: warm runs reuse per-file results, and every change that matters invalidates them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bp_rules.validator import engine
from bp_rules.validator.cache import CACHE_DIR
from bp_rules.validator.config import load_config
from bp_rules.validator.files import collect
from bp_rules.validator.registry import FILE_CHECKS, PROJECT_CHECKS, load_builtin_checks
from tests.conftest import write_tree
from tests.verify_cli import PYPROJECT, use_session_pack, verify

load_builtin_checks()
BLOCKING_RULE = "async-no-blocking-io-in-async-route"
HAS_BLOCKING_CHECK = BLOCKING_RULE in FILE_CHECKS or BLOCKING_RULE in PROJECT_CHECKS
needs_blocking_check = pytest.mark.skipif(
    not HAS_BLOCKING_CHECK, reason=f"{BLOCKING_RULE} has no python check registered"
)
JOSE = "auth-pyjwt-not-jose"

ROUTER = """\
from fastapi import APIRouter

from app.helpers import load_rates

router = APIRouter()


@router.get("/rates")
async def rates():
    return load_rates()
"""
BLOCKING_HELPER = """\
import requests


def load_rates():
    return requests.get("https://rates.example").json()
"""
ASYNC_FREE_HELPER = """\
def load_rates():
    return {"eur": 1.0}
"""
FILES = {
    "pyproject.toml": PYPROJECT,
    "app/__init__.py": "",
    "app/router.py": ROUTER,
    "app/helpers.py": BLOCKING_HELPER,
    "app/auth.py": "from jose import jwt\n",
    "app/deps.py": "from fastapi import Depends\n\n\ndef route(db: int = Depends(print)):\n    return db\n",
}
PYTHON_FILES = sum(1 for name in FILES if name.endswith(".py"))


@pytest.fixture(autouse=True)
def _fast_pack(monkeypatch, pack):
    use_session_pack(monkeypatch, pack)


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    write_tree(tmp_path, FILES)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def analyzed(monkeypatch) -> list[str]:
    """The paths phase 1 really parses (a cache hit never reaches analyze_file)."""
    seen: list[str] = []
    real = engine.analyze_file

    def spy(path, absolute, state):
        seen.append(path)
        return real(path, absolute, state)

    monkeypatch.setattr(engine, "analyze_file", spy)
    return seen


def _run(root: Path, pack, *, use_cache: bool = True) -> engine.RunResult:
    config = load_config(root.resolve())
    return engine.run(pack, config, collect([root], config), jobs=1, use_cache=use_cache)


def _keys(result: engine.RunResult) -> set[tuple[str, int, str]]:
    return {(f.path, f.line, f.rule) for f in result.findings}


def test_warm_run_reads_every_file_from_the_cache(project, pack, analyzed):
    cold = _run(project, pack)
    assert (cold.files, cold.cached) == (PYTHON_FILES, 0)
    assert sorted(analyzed) == sorted(name for name in FILES if name.endswith(".py"))
    assert (project / CACHE_DIR).is_dir()
    analyzed.clear()
    warm = _run(project, pack)
    assert (warm.files, warm.cached) == (PYTHON_FILES, PYTHON_FILES)
    assert analyzed == []
    assert warm.findings == cold.findings
    assert {("app/auth.py", 1, JOSE), ("app/deps.py", 4, "deps-annotated")} <= _keys(warm)


def test_cache_dir_ignores_itself(project, pack):
    _run(project, pack)
    assert "*" in (project / CACHE_DIR / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_changing_one_file_reanalyzes_only_that_file(project, pack, analyzed):
    _run(project, pack)
    analyzed.clear()
    write_tree(project, {"app/auth.py": "import jwt\n\nfrom jose import jws\n"})
    result = _run(project, pack)
    assert analyzed == ["app/auth.py"]
    assert result.cached == PYTHON_FILES - 1
    assert ("app/auth.py", 3, JOSE) in _keys(result)
    assert ("app/auth.py", 1, JOSE) not in _keys(result)
    analyzed.clear()
    assert _run(project, pack).cached == PYTHON_FILES
    assert analyzed == []


def test_new_and_deleted_files(project, pack):
    _run(project, pack)
    write_tree(project, {"app/extra.py": "import jose\n"})
    (project / "app/deps.py").unlink()
    result = _run(project, pack)
    assert (result.files, result.cached) == (PYTHON_FILES, PYTHON_FILES - 1)
    assert ("app/extra.py", 1, JOSE) in _keys(result)
    assert not any(path == "app/deps.py" for path, _, _ in _keys(result))
    again = _run(project, pack)
    assert again.cached == PYTHON_FILES
    assert again.findings == result.findings


def test_cli_warm_run_gives_identical_output(project, capsys):
    cold = verify(capsys, "--format", "json")
    assert (project / CACHE_DIR).is_dir()
    warm = verify(capsys, "--format", "json")
    assert cold.code == warm.code == 1
    assert json.loads(cold.out) == json.loads(warm.out)
    assert cold.out == warm.out


def test_no_cache_writes_no_cache_dir(project, pack, capsys):
    assert verify(capsys, "--no-cache").code == 1
    assert not (project / CACHE_DIR).exists()
    result = _run(project, pack, use_cache=False)
    assert result.cached == 0
    assert not (project / CACHE_DIR).exists()


def test_no_cache_ignores_an_existing_cache(project, pack, analyzed):
    _run(project, pack)
    analyzed.clear()
    result = _run(project, pack, use_cache=False)
    assert result.cached == 0
    assert len(analyzed) == PYTHON_FILES


def test_a_config_change_invalidates_the_cache(project, pack):
    _run(project, pack)
    write_tree(project, {"pyproject.toml": PYPROJECT + '[tool.bp-rules]\nblocking-calls = ["mylib.fetch"]\n'})
    assert _run(project, pack).cached == 0
    assert _run(project, pack).cached == PYTHON_FILES


def test_selection_change_does_not_reuse_other_rules_findings(project, pack):
    _run(project, pack)
    write_tree(project, {"pyproject.toml": PYPROJECT + '[tool.bp-rules]\nselect = ["auth"]\n'})
    result = _run(project, pack)
    assert {rule for _, _, rule in _keys(result)} == {JOSE}
    write_tree(project, {"pyproject.toml": PYPROJECT})
    result = _run(project, pack)
    assert result.cached == PYTHON_FILES  # the first run's cache is still there
    assert "deps-annotated" in {rule for _, _, rule in _keys(result)}


def test_noqa_and_per_path_ignores_apply_to_cached_results(project, pack):
    _run(project, pack)
    write_tree(project, {"pyproject.toml": PYPROJECT + '[tool.bp-rules.per-path-ignores]\n"app/auth.py" = ["auth"]\n'})
    result = _run(project, pack)
    assert result.cached == PYTHON_FILES  # per-path-ignores filter after the cache
    assert not any(path == "app/auth.py" for path, _, _ in _keys(result))
    write_tree(
        project, {"app/auth.py": "from jose import jwt  # noqa: auth-pyjwt-not-jose\n", "pyproject.toml": PYPROJECT}
    )
    _run(project, pack)
    assert not any(path == "app/auth.py" for path, _, _ in _keys(_run(project, pack)))


def test_a_severity_change_shows_on_a_warm_run(project, pack):
    _run(project, pack)
    write_tree(project, {"pyproject.toml": PYPROJECT + '[tool.bp-rules]\nseverity = { deps-annotated = "error" }\n'})
    result = _run(project, pack)
    assert [f.severity for f in result.findings if f.rule == "deps-annotated"] == ["error"]


@needs_blocking_check
def test_cross_file_finding_is_cached_and_invalidated(project, pack, analyzed):
    cold = _run(project, pack)
    blocking = ("app/router.py", 10, BLOCKING_RULE)
    assert blocking in _keys(cold)
    warm = _run(project, pack)
    assert warm.cached == PYTHON_FILES
    assert blocking in _keys(warm)
    analyzed.clear()
    write_tree(project, {"app/helpers.py": ASYNC_FREE_HELPER})  # router.py does not change
    fixed = _run(project, pack)
    assert analyzed == ["app/helpers.py"]
    assert fixed.cached == PYTHON_FILES - 1
    assert blocking not in _keys(fixed)
    assert blocking not in _keys(_run(project, pack))
    write_tree(project, {"app/helpers.py": BLOCKING_HELPER})
    assert blocking in _keys(_run(project, pack))


@needs_blocking_check
def test_cross_file_finding_after_the_helper_module_disappears(project, pack):
    assert ("app/router.py", 10, BLOCKING_RULE) in _keys(_run(project, pack))
    (project / "app/helpers.py").unlink()
    assert not any(rule == BLOCKING_RULE for _, _, rule in _keys(_run(project, pack)))


def _cache_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / CACHE_DIR).rglob("*.json"))


@pytest.mark.parametrize("garbage", [b"", b"{not json", b"\xff\xfe\x00", b"[1, 2, 3]", b'{"files": 7}', b"null"])
def test_corrupted_cache_file_is_ignored(project, pack, garbage):
    cold = _run(project, pack)
    files = _cache_files(project)
    assert files
    for path in files:
        path.write_bytes(garbage)
    result = _run(project, pack)
    assert result.findings == cold.findings
    assert result.cached == 0
    assert _run(project, pack).cached == PYTHON_FILES  # the cache repaired itself


@needs_blocking_check
def test_lost_summaries_are_rebuilt_for_cross_file_checks(project, pack):
    cold = _run(project, pack)
    for path in _cache_files(project):
        if "summar" in path.name:
            path.write_text("{broken", encoding="utf-8")
    write_tree(project, {"app/auth.py": "import jwt\n"})  # forces phase 2 on the other files' summaries
    result = _run(project, pack)
    assert ("app/router.py", 10, BLOCKING_RULE) in _keys(result)
    assert _keys(result) == _keys(cold) - {("app/auth.py", 1, JOSE)}


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda data: {**data, "files": dict.fromkeys(data["files"], 3)}, id="entry-not-a-dict"),
        pytest.param(
            lambda data: {**data, "files": {k: {**v, "suppressions": []} for k, v in data["files"].items()}},
            id="suppressions-a-list",
        ),
    ],
)
def test_cache_with_a_wrong_shape_is_ignored(project, pack, capsys, mangle):
    cold = verify(capsys, "--format", "json")
    (index,) = [p for p in _cache_files(project) if p.name.endswith("index.json")]
    index.write_text(json.dumps(mangle(json.loads(index.read_text(encoding="utf-8")))), encoding="utf-8")
    warm = verify(capsys, "--format", "json")
    assert warm.code == cold.code
    assert warm.out == cold.out


def test_results_cached_by_another_build_of_bp_rules_are_not_reused(project, pack, monkeypatch):
    _run(project, pack)
    assert _run(project, pack).cached > 0
    monkeypatch.setattr(engine, "_build_stamp", lambda: "another-build")
    assert _run(project, pack).cached == 0
