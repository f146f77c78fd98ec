"""Every output format of `bp-rules verify`, and its exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from bp_rules.reporters import github, sarif, text
from bp_rules.validator.registry import Finding
from tests.conftest import write_tree
from tests.verify_cli import PYPROJECT, use_session_pack, verify

SCHEMA_FILE = Path(__file__).parent / "fixtures" / "sarif-schema-2.1.0.json"
KEYS = {"rule", "severity", "path", "line", "col", "end_line", "end_col", "message", "fix", "autofix"}

# line 2: auth-pyjwt-not-jose (error); line 9: deps-annotated (warning)
ROUTER = """\
from fastapi import APIRouter, Depends
from jose import jwt

router = APIRouter(tags=["items"])


@router.get("/items")
async def list_items(
    token: str = Depends(jwt.decode),
) -> str:
    \"\"\"List the items.\"\"\"
    return token
"""
WARNING_ONLY = ROUTER.replace("from jose import jwt\n", "import jwt\n")
CLEAN = "import jwt\n\n\ndef decode(token: str) -> dict:\n    return jwt.decode(token, 'k', algorithms=['HS256'])\n"


@pytest.fixture(autouse=True)
def _fast_pack(monkeypatch, pack):
    use_session_pack(monkeypatch, pack)


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "proj"
    write_tree(root, {"pyproject.toml": PYPROJECT, "src/items/router.py": ROUTER, "src/items/utils.py": CLEAN})
    monkeypatch.chdir(root)
    return root


# --- text ----------------------------------------------------------------------------------------------


def test_text_lines_and_summary(project, capsys):
    outcome = verify(capsys, "--no-cache")
    assert outcome.code == 1
    lines = outcome.out.splitlines()
    assert lines[0] == (
        "src/items/router.py:2:18: auth-pyjwt-not-jose `jose.jwt` comes from python-jose, which is unmaintained; "
        "use PyJWT (`import jwt`) instead."
    )
    assert re.fullmatch(r"src/items/router\.py:9:5: deps-annotated `token` in `list_items` .*", lines[1])
    assert lines[-1] == "Found 2 findings (1 error, 1 warning) in 2 files."
    assert len(lines) == 3
    assert "\x1b[" not in outcome.out  # no colour when not on a terminal


def test_text_findings_are_sorted_by_path_and_line(project, capsys):
    write_tree(project, {"src/a.py": "import jose\n", "src/items/z.py": "\n\nimport jose\n"})
    outcome = verify(capsys, "--no-cache", "--select", "auth")
    heads = [line.split(": ", 1)[0] for line in outcome.out.splitlines()[:-1]]
    assert heads == ["src/a.py:1:8", "src/items/router.py:2:18", "src/items/z.py:3:8"]


def test_text_show_fixes_prints_each_fix_from_the_record(project, capsys, pack):
    outcome = verify(capsys, "--no-cache", "--show-fixes")
    lines = outcome.out.splitlines()
    assert lines[1] == f"    fix: {pack.rules['auth-pyjwt-not-jose'].fix}"
    assert lines[3] == f"    fix: {pack.rules['deps-annotated'].fix}"
    assert "fix:" not in verify(capsys, "--no-cache").out


def test_text_clean_summary(project, capsys):
    outcome = verify(capsys, "--no-cache", "src/items/utils.py")
    assert (outcome.code, outcome.out) == (0, "All checks passed (1 file).\n")


def test_text_singular_summary():
    finding = Finding("a.py", 1, 1, "x-y", 1, 2, "info", "m", "f")
    assert text.render([finding], files=3).splitlines()[-1] == "Found 1 finding (1 info) in 3 files."


def test_text_colour_on_a_terminal():
    finding = Finding("a.py", 1, 1, "x-y", 1, 2, "error", "msg", "f")
    out = text.render([finding], files=1, color=True)
    assert "\x1b[" in out and "msg" in out


def test_output_file(project, capsys):
    outcome = verify(capsys, "--no-cache", "--format", "json", "-o", "report.json")
    assert outcome.code == 1
    assert outcome.out == ""
    assert len(json.loads((project / "report.json").read_text(encoding="utf-8"))) == 2


# --- json ----------------------------------------------------------------------------------------------


def test_json_array_with_exactly_the_documented_keys(project, capsys, pack):
    outcome = verify(capsys, "--no-cache", "--format", "json")
    assert outcome.code == 1
    data = json.loads(outcome.out)
    assert isinstance(data, list) and len(data) == 2
    for item in data:
        assert set(item) == KEYS
        assert isinstance(item["line"], int) and isinstance(item["end_col"], int)
    first, second = data
    assert first == {
        "rule": "auth-pyjwt-not-jose",
        "severity": "error",
        "path": "src/items/router.py",
        "line": 2,
        "col": 18,
        "end_line": 2,
        "end_col": 21,
        "message": first["message"],
        "fix": pack.rules["auth-pyjwt-not-jose"].fix,
        "autofix": None,
    }
    assert (second["rule"], second["severity"], second["line"], second["col"]) == ("deps-annotated", "warning", 9, 5)
    assert second["autofix"]["applicability"] == "safe"
    assert second["end_line"] >= second["line"]


def test_json_paths_are_relative_to_the_working_directory(project, capsys, monkeypatch):
    monkeypatch.chdir(project.parent)
    outcome = verify(capsys, "--no-cache", "--format", "json", "proj")
    paths = {item["path"] for item in json.loads(outcome.out)}
    assert paths == {"proj/src/items/router.py"}
    assert all("\\" not in item["path"] for item in json.loads(outcome.out))


def test_json_paths_from_a_subdirectory(project, capsys, monkeypatch):
    monkeypatch.chdir(project / "src" / "items")
    outcome = verify(capsys, "--no-cache", "--format", "json", ".")
    assert {item["path"] for item in json.loads(outcome.out)} == {"router.py"}


def test_json_clean_is_an_empty_array(project, capsys):
    outcome = verify(capsys, "--no-cache", "--format", "json", "src/items/utils.py")
    assert (outcome.code, json.loads(outcome.out)) == (0, [])


# --- sarif ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator():
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    assert schema["$schema"].startswith("http://json-schema.org/")
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def test_sarif_validates_against_the_official_schema(project, capsys, sarif_validator, pack):
    outcome = verify(capsys, "--no-cache", "--format", "sarif")
    assert outcome.code == 1
    log = json.loads(outcome.out)
    errors = sorted(sarif_validator.iter_errors(log), key=str)
    assert errors == [], "\n".join(e.message for e in errors[:5])
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["auth-pyjwt-not-jose", "deps-annotated"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"auth-pyjwt-not-jose": "error", "deps-annotated": "warning"}
    region = run["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 2, "startColumn": 18, "endLine": 2, "endColumn": 21}
    uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "src/items/router.py"


def test_sarif_rule_help_comes_from_the_record(project, capsys, pack):
    log = json.loads(verify(capsys, "--no-cache", "--format", "sarif").out)
    descriptor = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}["deps-annotated"]
    record = pack.rules["deps-annotated"]
    assert descriptor["shortDescription"]["text"] == record.summary
    assert descriptor["name"] == record.title
    assert record.summary in descriptor["help"]["text"]
    assert record.fix in descriptor["help"]["text"]
    assert " ".join(record.rationale.split()) == descriptor["fullDescription"]["text"]
    assert descriptor["defaultConfiguration"]["level"] == "warning"
    assert descriptor["properties"]["category"] == "deps"


def test_sarif_clean_run_is_valid(project, capsys, sarif_validator):
    outcome = verify(capsys, "--no-cache", "--format", "sarif", "src/items/utils.py")
    log = json.loads(outcome.out)
    assert outcome.code == 0
    assert list(sarif_validator.iter_errors(log)) == []
    assert log["runs"][0]["results"] == []


def test_sarif_syntax_errors_and_info_findings_are_valid(project, capsys, sarif_validator):
    write_tree(project, {"src/items/broken.py": "def f(:\n", "src/items/ok.py": "X = 1  # noqa: deps-annotated\n"})
    outcome = verify(capsys, "--no-cache", "--format", "sarif", "--report-unused-noqa")
    log = json.loads(outcome.out)
    assert list(sarif_validator.iter_errors(log)) == []
    results = {r["ruleId"]: r for r in log["runs"][0]["results"]}
    assert results["unused-noqa"]["level"] == "note"
    assert results["syntax-error"]["level"] == "error"
    rules = {r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert {"unused-noqa", "syntax-error"} <= rules


def test_sarif_render_without_a_pack_is_valid(sarif_validator):
    finding = Finding("dir with space/a.py", 1, 1, "x-y", 1, 2, "info", "m", "f")
    log = json.loads(sarif.render([finding]))
    assert list(sarif_validator.iter_errors(log)) == []


# --- github --------------------------------------------------------------------------------------------


def test_github_workflow_commands(project, capsys):
    outcome = verify(capsys, "--no-cache", "--format", "github")
    assert outcome.code == 1
    lines = outcome.out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("::error file=src/items/router.py,line=2,col=18,endLine=2,endColumn=21,")
    assert lines[0].endswith("::auth-pyjwt-not-jose: `jose.jwt` comes from python-jose, which is unmaintained; "
                             "use PyJWT (`import jwt`) instead.")  # fmt: skip
    assert re.fullmatch(r"::warning file=src/items/router\.py,line=9,col=5,[^:]*::deps-annotated: .*", lines[1])


def test_github_notice_for_info(project, capsys):
    write_tree(project, {"pyproject.toml": PYPROJECT + '[tool.bp-rules]\nseverity = { deps-annotated = "info" }\n'})
    lines = verify(capsys, "--no-cache", "--format", "github", "--select", "deps").out.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("::notice file=src/items/router.py,line=9,col=5,")


def test_github_escapes_data_and_properties():
    finding = Finding("a:b,c.py", 1, 1, "x-y", 1, 2, "error", "100% sure\nsecond line", "f")
    out = github.render([finding])
    assert out.startswith("::error file=a%3Ab%2Cc.py,line=1,")
    assert out.endswith("::x-y: 100%25 sure%0Asecond line\n")
    assert out.count("\n") == 1


def test_github_clean_prints_nothing(project, capsys):
    outcome = verify(capsys, "--no-cache", "--format", "github", "src/items/utils.py")
    assert (outcome.code, outcome.out) == (0, "")


# --- exit codes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_exit_codes_do_not_depend_on_the_format(project, capsys, fmt):
    assert verify(capsys, "--no-cache", "--format", fmt).code == 1
    assert verify(capsys, "--no-cache", "--format", fmt, "src/items/utils.py").code == 0


@pytest.mark.parametrize(
    ("source", "fail_on", "code"),
    [
        (WARNING_ONLY, "error", 0),
        (WARNING_ONLY, "warning", 1),
        (WARNING_ONLY, "info", 1),
        (ROUTER, "error", 1),
    ],
)
def test_fail_on(project, capsys, source, fail_on, code):
    write_tree(project, {"src/items/router.py": source})
    outcome = verify(capsys, "--no-cache", "--fail-on", fail_on)
    assert outcome.code == code
    assert "deps-annotated" in outcome.out  # findings below the threshold are still printed


def test_unknown_format_is_a_usage_error(project, capsys):
    outcome = verify(capsys, "--no-cache", "--format", "xml")
    assert outcome.code == 2
    assert "xml" in outcome.err


def test_the_sarif_schema_rejects_a_broken_log(sarif_validator):
    finding = Finding("a.py", 1, 1, "x-y", 1, 2, "error", "m", "f")
    log = json.loads(sarif.render([finding]))
    log["runs"][0]["results"][0]["level"] = "fatal"
    del log["runs"][0]["tool"]["driver"]["name"]
    assert len(list(sarif_validator.iter_errors(log))) >= 2
