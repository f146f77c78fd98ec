"""`[tool.bp-rules]` in pyproject.toml, and the command-line flags that override it."""

from __future__ import annotations

import json

import pytest

from bp_rules.validator.config import DEFAULT_ROLE_FILES, Config, load_config
from bp_rules.validator.context import placement
from bp_rules.validator.registry import FILE_CHECKS, PROJECT_CHECKS, load_builtin_checks
from tests.conftest import write_tree
from tests.verify_cli import PYPROJECT, use_session_pack, verify

load_builtin_checks()
BLOCKING_RULE = "async-no-blocking-io-in-async-route"
HAS_BLOCKING_CHECK = BLOCKING_RULE in FILE_CHECKS or BLOCKING_RULE in PROJECT_CHECKS
needs_blocking_check = pytest.mark.skipif(not HAS_BLOCKING_CHECK, reason=f"{BLOCKING_RULE} has no python check yet")

# deps-annotated (deps, warning) on line 8; auth-pyjwt-not-jose (auth, error) on line 2
ROUTER = """\
from fastapi import APIRouter, Depends
from jose import jwt

router = APIRouter(tags=["items"])


@router.get("/items")
async def list_items(token: str = Depends(jwt.decode)) -> str:
    \"\"\"List the items.\"\"\"
    return token
"""
# pydantic-v2-pattern (pydantic, error) on line 5
SCHEMAS = """\
from pydantic import BaseModel, Field


class Item(BaseModel):
    code: str = Field(regex="^[a-z]+$")
"""
FILES = {"src/items/router.py": ROUTER, "src/items/schemas.py": SCHEMAS}


@pytest.fixture(autouse=True)
def _fast_pack(monkeypatch, pack):
    use_session_pack(monkeypatch, pack)


def _project(tmp_path, monkeypatch, settings: str = "", files=None):
    write_tree(tmp_path, {"pyproject.toml": PYPROJECT + ("\n[tool.bp-rules]\n" + settings if settings else "")})
    write_tree(tmp_path, FILES if files is None else files)
    monkeypatch.chdir(tmp_path)


def _findings(capsys, *args):
    outcome = verify(capsys, "--format", "json", "--no-cache", *args)
    assert outcome.code in (0, 1), outcome.err
    return outcome, {(f["path"], f["line"], f["rule"]): f for f in json.loads(outcome.out)}


def _rules(found) -> set[str]:
    return {rule for _, _, rule in found}


def test_defaults_report_every_enabled_rule(tmp_path, monkeypatch, capsys):
    _project(tmp_path, monkeypatch)
    outcome, found = _findings(capsys)
    assert outcome.code == 1
    assert {
        ("src/items/router.py", 2, "auth-pyjwt-not-jose"),
        ("src/items/router.py", 8, "deps-annotated"),
        ("src/items/schemas.py", 5, "pydantic-v2-pattern"),
    } <= set(found)


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ('select = ["deps-annotated"]', {"deps-annotated"}),
        ('select = ["auth", "pydantic-v2-pattern"]', {"auth-pyjwt-not-jose", "pydantic-v2-pattern"}),
        ('select = "auth"', {"auth-pyjwt-not-jose"}),
    ],
    ids=["id", "category-and-id", "single-string"],
)
def test_select_by_id_or_category(tmp_path, monkeypatch, capsys, settings, expected):
    _project(tmp_path, monkeypatch, settings)
    _, found = _findings(capsys)
    assert _rules(found) == expected


@pytest.mark.parametrize(
    ("settings", "gone"),
    [
        ('ignore = ["deps-annotated"]', {"deps-annotated"}),
        ('ignore = ["auth", "pydantic"]', {"auth-pyjwt-not-jose", "pydantic-v2-pattern"}),
    ],
    ids=["id", "categories"],
)
def test_ignore_by_id_or_category(tmp_path, monkeypatch, capsys, settings, gone):
    _project(tmp_path, monkeypatch)
    _, everything = _findings(capsys)
    write_tree(tmp_path, {"pyproject.toml": PYPROJECT + "\n[tool.bp-rules]\n" + settings + "\n"})
    _, found = _findings(capsys)
    assert gone <= _rules(everything)
    assert _rules(found) == _rules(everything) - gone


def test_ignore_wins_over_select(tmp_path, monkeypatch, capsys):
    _project(tmp_path, monkeypatch, 'select = ["auth", "deps"]\nignore = ["deps-annotated"]')
    _, found = _findings(capsys)
    assert _rules(found) == {"auth-pyjwt-not-jose"}


def test_extend_exclude_skips_matching_paths(tmp_path, monkeypatch, capsys):
    files = {**FILES, "src/legacy/old.py": "from jose import jwt\n", "scripts/gen.py": "import jose\n"}
    _project(tmp_path, monkeypatch, 'extend-exclude = ["src/legacy/", "scripts/gen.py"]', files)
    _, found = _findings(capsys)
    paths = {path for path, _, _ in found}
    assert paths == {"src/items/router.py", "src/items/schemas.py"}


def test_per_rule_severity_override(tmp_path, monkeypatch, capsys):
    _project(tmp_path, monkeypatch, 'severity = { deps-annotated = "error", auth-pyjwt-not-jose = "info" }')
    _, found = _findings(capsys)
    assert found["src/items/router.py", 8, "deps-annotated"]["severity"] == "error"
    assert found["src/items/router.py", 2, "auth-pyjwt-not-jose"]["severity"] == "info"
    assert found["src/items/schemas.py", 5, "pydantic-v2-pattern"]["severity"] == "error"  # untouched


def test_severity_override_changes_the_exit_code(tmp_path, monkeypatch, capsys):
    files = {"src/items/router.py": ROUTER.replace("from jose import jwt\n", "import jwt\n")}
    _project(tmp_path, monkeypatch, 'fail-on = "error"', files)
    assert verify(capsys, "--no-cache").code == 0  # only a warning
    write_tree(tmp_path, {"pyproject.toml": PYPROJECT + '[tool.bp-rules]\nfail-on = "error"\n'
                          'severity = { deps-annotated = "error" }\n'})  # fmt: skip
    assert verify(capsys, "--no-cache").code == 1


def test_per_path_ignores_by_id_and_category(tmp_path, monkeypatch, capsys):
    files = {**FILES, "tests/test_items.py": "from jose import jwt\n"}
    settings = '[tool.bp-rules.per-path-ignores]\n"src/items/router.py" = ["deps-annotated"]\n"tests/**" = ["auth"]\n'
    _project(tmp_path, monkeypatch, settings, files)
    _, found = _findings(capsys)
    assert set(found) == {
        ("src/items/router.py", 2, "auth-pyjwt-not-jose"),
        ("src/items/schemas.py", 5, "pydantic-v2-pattern"),
    }


def test_source_roots_and_role_files_shape_placement(tmp_path):
    write_tree(
        tmp_path,
        {
            "pyproject.toml": PYPROJECT
            + '[tool.bp-rules]\nsource-roots = ["backend"]\n[tool.bp-rules.role-files]\nrouter = ["handlers.py"]\n'
        },
    )
    config = load_config(tmp_path)
    assert config.source_roots == ("backend",)
    assert config.role_files["router"] == ("handlers.py",)
    assert config.role_files["schemas"] == DEFAULT_ROLE_FILES["schemas"]  # other roles keep their defaults
    where = placement("backend/billing/handlers.py", config)
    assert (where.source_root, where.domain, where.role) == ("backend", "billing", "router")
    assert placement("backend/config.py", config).is_global
    assert placement("src/billing/handlers.py", config).source_root is None  # src is no longer a root
    # with the defaults, routes.py is a router module and handlers.py is nothing in particular
    default = Config(root=tmp_path)
    assert placement("src/billing/routes.py", default).role == "router"
    assert placement("src/billing/handlers.py", default).role is None
    assert placement("src/billing/routes.py", default).domain == "billing"


def test_role_files_change_the_cache_key(tmp_path):
    write_tree(tmp_path, {"pyproject.toml": PYPROJECT})
    before = load_config(tmp_path).digest()
    write_tree(tmp_path, {"pyproject.toml": PYPROJECT + '[tool.bp-rules.role-files]\nrouter = ["handlers.py"]\n'})
    assert load_config(tmp_path).digest() != before


BACKEND_ROUTER = """\
from fastapi import APIRouter

from billing.service import load_rates

router = APIRouter()


@router.get("/rates")
async def rates():
    return load_rates()
"""
BACKEND_SERVICE = """\
import requests


def load_rates():
    return requests.get("https://rates.example").json()
"""


@needs_blocking_check
@pytest.mark.parametrize("how", ["config", "flag"])
def test_source_roots_resolve_imports_spelled_without_the_root(tmp_path, monkeypatch, capsys, how):
    files = {"backend/billing/router.py": BACKEND_ROUTER, "backend/billing/service.py": BACKEND_SERVICE}
    _project(tmp_path, monkeypatch, "", files)
    _, found = _findings(capsys, "--select", BLOCKING_RULE)
    assert found == {}  # `billing.service` is unknown while `backend` is not a source root
    if how == "config":
        _project(tmp_path, monkeypatch, 'source-roots = ["backend"]', files)
        _, found = _findings(capsys, "--select", BLOCKING_RULE)
    else:
        _, found = _findings(capsys, "--select", BLOCKING_RULE, "--source-root", "backend")
    assert set(found) == {("backend/billing/router.py", 10, BLOCKING_RULE)}
    assert "load_rates" in found["backend/billing/router.py", 10, BLOCKING_RULE]["message"]


CUSTOM_BLOCKING = """\
from fastapi import APIRouter

import legacy_sdk
from vendor import client

router = APIRouter()


@router.get("/a")
async def a():
    return legacy_sdk.fetch_report("x")


@router.get("/b")
async def b():
    return client.Client().download("x")


@router.get("/c")
async def c():
    return legacy_sdk.other("x")
"""


@needs_blocking_check
def test_blocking_calls_extend_the_builtin_list(tmp_path, monkeypatch, capsys):
    files = {"src/reports/router.py": CUSTOM_BLOCKING}
    _project(tmp_path, monkeypatch, "", files)
    _, found = _findings(capsys, "--select", BLOCKING_RULE)
    assert found == {}
    _project(tmp_path, monkeypatch, 'blocking-calls = ["legacy_sdk.fetch_report", "vendor.client.Client().*"]', files)
    _, found = _findings(capsys, "--select", BLOCKING_RULE)
    assert set(found) == {("src/reports/router.py", 11, BLOCKING_RULE), ("src/reports/router.py", 16, BLOCKING_RULE)}
    assert "legacy_sdk.fetch_report" in found["src/reports/router.py", 11, BLOCKING_RULE]["message"]


@needs_blocking_check
def test_builtin_blocking_calls_still_apply_with_custom_ones(tmp_path, monkeypatch, capsys):
    code = 'import requests\nfrom fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n@router.get("/")\n'
    code += 'async def root():\n    return requests.get("https://example.com")\n'
    _project(tmp_path, monkeypatch, 'blocking-calls = ["legacy_sdk.fetch_report"]', {"src/a/router.py": code})
    _, found = _findings(capsys, "--select", BLOCKING_RULE)
    assert set(found) == {("src/a/router.py", 9, BLOCKING_RULE)}


def test_blocking_calls_are_loaded(tmp_path):
    write_tree(tmp_path, {"pyproject.toml": PYPROJECT + '[tool.bp-rules]\nblocking-calls = ["requests.get", "x.*"]\n'})
    assert load_config(tmp_path).blocking_calls == ("requests.get", "x.*")


def test_unknown_key_warns_and_the_run_goes_on(tmp_path, monkeypatch, capsys):
    _project(tmp_path, monkeypatch, 'selct = ["deps"]\nfail-on = "error"')
    outcome = verify(capsys, "--no-cache")
    assert "unknown setting 'selct'" in outcome.err
    assert outcome.code == 1  # the known settings still apply, the findings are still reported
    assert "deps-annotated" in outcome.out


def test_unknown_key_is_reported_once_per_key(tmp_path):
    write_tree(tmp_path, {"pyproject.toml": PYPROJECT + "[tool.bp-rules]\nzzz = 1\naaa = 2\nselect = []\n"})
    warnings = load_config(tmp_path).warnings
    assert len(warnings) == 2
    assert "'aaa'" in warnings[0] and "'zzz'" in warnings[1]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ("select = 3", "select: expected a list of strings"),
        ('ignore = ["deps", 1]', "ignore: expected a list of strings"),
        ('severity = { deps-annotated = "fatal" }', "severity: expected a table"),
        ('fail-on = "critical"', "fail-on: expected error, warning or info"),
        ('per-path-ignores = ["tests/**"]', "per-path-ignores: expected a table"),
        ('per-path-ignores = { "tests/**" = 3 }', "per-path-ignores.tests/**: expected a list of strings"),
        ("role-files = { router = [1] }", "role-files.router: expected a list of strings"),
        ("source-roots = { a = 1 }", "source-roots: expected a list of strings"),
        ("extend-exclude = 5", "extend-exclude: expected a list of strings"),
    ],
)
def test_invalid_value_is_a_usage_error(tmp_path, monkeypatch, capsys, settings, message):
    _project(tmp_path, monkeypatch, settings)
    outcome = verify(capsys, "--no-cache")
    assert outcome.code == 2
    assert message in outcome.err
    assert "Traceback" not in outcome.err
    assert outcome.out == ""


def test_tool_section_that_is_not_a_table_is_a_usage_error(tmp_path, monkeypatch, capsys):
    write_tree(tmp_path, {"pyproject.toml": PYPROJECT + '[tool]\n"bp-rules" = 1\n', **FILES})
    monkeypatch.chdir(tmp_path)
    outcome = verify(capsys, "--no-cache")
    assert outcome.code == 2
    assert "[tool.bp-rules] must be a table" in outcome.err


def test_broken_toml_warns_and_uses_the_defaults(tmp_path, monkeypatch, capsys):
    write_tree(tmp_path, {"pyproject.toml": "[tool.bp-rules\nselect = \n", **FILES})
    monkeypatch.chdir(tmp_path)
    outcome = verify(capsys, "--no-cache")
    assert "not valid TOML" in outcome.err
    assert outcome.code == 1
    assert "deps-annotated" in outcome.out


def test_config_is_read_from_the_project_root_above_the_given_path(tmp_path, monkeypatch, capsys):
    _project(tmp_path, monkeypatch, 'select = ["auth"]')
    monkeypatch.chdir(tmp_path / "src" / "items")
    outcome = verify(capsys, "--no-cache", "router.py")
    assert outcome.code == 1
    assert outcome.out.splitlines()[0].startswith("router.py:2:")
    assert "deps-annotated" not in outcome.out


def test_cli_select_overrides_config_select(tmp_path, monkeypatch, capsys):
    _project(tmp_path, monkeypatch, 'select = ["auth"]')
    _, found = _findings(capsys, "--select", "deps-annotated", "--select", "pydantic")
    assert _rules(found) == {"deps-annotated", "pydantic-v2-pattern"}


def test_cli_ignore_removes_a_rule_the_config_selects(tmp_path, monkeypatch, capsys):
    _project(tmp_path, monkeypatch, 'select = ["auth", "deps-annotated"]')
    _, found = _findings(capsys, "--ignore", "deps-annotated")
    assert _rules(found) == {"auth-pyjwt-not-jose"}


def test_cli_select_and_ignore_by_category(tmp_path, monkeypatch, capsys):
    _project(tmp_path, monkeypatch)
    _, found = _findings(capsys, "--select", "auth", "--select", "deps", "--ignore", "auth")
    assert _rules(found) == {"deps-annotated"}


@pytest.mark.parametrize(
    ("config_fail_on", "flag", "code"),
    [
        ("error", None, 0),  # only warnings: the config's threshold keeps exit 0
        ("error", "warning", 1),  # the flag lowers it again
        ("warning", "error", 0),
        (None, "info", 1),
    ],
)
def test_cli_fail_on_overrides_config(tmp_path, monkeypatch, capsys, config_fail_on, flag, code):
    files = {"src/items/router.py": ROUTER.replace("from jose import jwt\n", "import jwt\n")}  # warning only
    _project(tmp_path, monkeypatch, f'fail-on = "{config_fail_on}"' if config_fail_on else "", files)
    args = ["--no-cache", *(["--fail-on", flag] if flag else [])]
    outcome = verify(capsys, *args)
    assert outcome.code == code, outcome.out + outcome.err
    assert "deps-annotated" in outcome.out  # the threshold changes the exit code, not what is shown


@pytest.mark.parametrize(
    ("args", "settings", "message"),
    [
        (("--select", "dcos"), "", "--select: unknown rule id or category 'dcos' (did you mean 'docs'?)"),
        (("--ignore", "no-such-rule"), "", "--ignore: unknown rule id or category 'no-such-rule'"),
        (("--select", "async,asynk"), "", "'asynk' (did you mean 'async'?)"),
        ((), 'select = ["asynk"]', "[tool.bp-rules] select: unknown rule id or category 'asynk'"),
        ((), 'ignore = ["deps-anotated"]', "(did you mean 'deps-annotated'"),
        ((), 'severity = { "deps-nope" = "error" }', "[tool.bp-rules] severity: unknown rule id or category"),
        ((), 'per-path-ignores = { "tests/**" = ["nope"] }', "[tool.bp-rules] per-path-ignores.tests/**: unknown"),
    ],
)
def test_an_unknown_rule_name_anywhere_is_a_usage_error(tmp_path, monkeypatch, capsys, args, settings, message):
    _project(tmp_path, monkeypatch, settings)
    outcome = verify(capsys, "--no-cache", *args)
    assert outcome.code == 2
    assert message in outcome.err
    assert "All checks passed" not in outcome.out


def test_a_selection_that_leaves_no_rule_is_a_usage_error(tmp_path, monkeypatch, capsys):
    _project(tmp_path, monkeypatch)
    outcome = verify(capsys, "--no-cache", "--select", "async", "--ignore", "async")
    assert outcome.code == 2
    assert "leaves no rule" in outcome.err


def test_validator_ids_can_be_ignored(tmp_path, monkeypatch, capsys):
    _project(tmp_path, monkeypatch, 'ignore = ["syntax-error"]')
    assert verify(capsys, "--no-cache", "--ignore", "unused-noqa").code in (0, 1)


def test_with_overrides_keeps_config_values_for_empty_flags():
    base = Config(select=("auth",), ignore=("deps",), fail_on="error")
    merged = base.with_overrides(select=(), ignore=(), source_roots=(), fail_on=None)
    assert (merged.select, merged.ignore, merged.fail_on) == (("auth",), ("deps",), "error")
    merged = base.with_overrides(select=("pydantic",), fail_on="info")
    assert (merged.select, merged.ignore, merged.fail_on) == (("pydantic",), ("deps",), "info")
