"""`# noqa: <rule-id>` comments: explicit ids only, several per line, and --report-unused-noqa."""

from __future__ import annotations

import json

import pytest

from bp_rules.validator import noqa
from bp_rules.validator.registry import Finding
from tests.conftest import verify_tree, write_tree
from tests.verify_cli import PYPROJECT, use_session_pack, verify

DEPS_LINE = "async def read(db: int = Depends(get_db)):"


@pytest.fixture(autouse=True)
def _fast_pack(monkeypatch, pack):
    use_session_pack(monkeypatch, pack)


def _module(deps_comment: str = "", jose_comment: str = "") -> str:
    return (
        "from fastapi import Depends\n"
        f"from jose import jwt{jose_comment}\n"
        "\n"
        "\n"
        "async def get_db():\n"
        "    return 1\n"
        "\n"
        "\n"
        f"{DEPS_LINE}{deps_comment}\n"
        "    return jwt.decode(db)\n"
    )


def _check(tmp_path, pack, code: str) -> set[tuple[int, str]]:
    write_tree(tmp_path, {"app.py": code})
    return {(f.line, f.rule) for f in verify_tree(tmp_path, pack)}


ALL = {(2, "auth-pyjwt-not-jose"), (9, "deps-annotated")}


def test_without_noqa_both_findings_are_reported(tmp_path, pack):
    assert _check(tmp_path, pack, _module()) == ALL


@pytest.mark.parametrize(
    "comment",
    [
        "  # noqa: deps-annotated",
        "  #noqa:deps-annotated",
        "  # NOQA: Deps-Annotated",
        "  # noqa : deps-annotated",
        "  # type: ignore  # noqa: deps-annotated",
    ],
)
def test_noqa_with_the_rule_id_silences_that_rule_on_that_line(tmp_path, pack, comment):
    assert _check(tmp_path, pack, _module(deps_comment=comment)) == {(2, "auth-pyjwt-not-jose")}


def test_noqa_silences_only_the_named_rule(tmp_path, pack):
    assert _check(tmp_path, pack, _module(deps_comment="  # noqa: auth-pyjwt-not-jose")) == ALL


def test_noqa_silences_only_its_own_line(tmp_path, pack):
    code = _module().replace("    return 1\n", "    return 1  # noqa: deps-annotated\n")
    assert _check(tmp_path, pack, code) == ALL


@pytest.mark.parametrize(
    "comment",
    [
        "  # noqa: auth-pyjwt-not-jose, deps-annotated",
        "  # noqa: deps-annotated,auth-pyjwt-not-jose",
        "  # noqa: E501, deps-annotated, auth-pyjwt-not-jose",
    ],
)
def test_several_ids_comma_separated(tmp_path, pack, comment):
    code = "from fastapi import Depends\n\n\nasync def read(db: int = Depends(get_db)): from jose import jwt{}\n"
    assert _check(tmp_path, pack, code.format("")) == {(4, "deps-annotated"), (4, "auth-pyjwt-not-jose")}
    assert _check(tmp_path, pack, code.format(comment)) == set()


def test_several_ids_silence_two_rules_on_one_line(tmp_path, pack):
    code = "from jose import jwt; from pydantic import BaseSettings"
    code += "  # noqa: auth-pyjwt-not-jose, pydantic-settings-import\n"
    write_tree(tmp_path, {"app.py": code.split("  #")[0] + "\n"})
    assert {f.rule for f in verify_tree(tmp_path, pack)} == {"auth-pyjwt-not-jose", "pydantic-settings-import"}
    assert _check(tmp_path, pack, code) == set()
    partial = code.replace("auth-pyjwt-not-jose, ", "")
    assert _check(tmp_path, pack, partial) == {(1, "auth-pyjwt-not-jose")}


@pytest.mark.parametrize("comment", ["  # noqa", "  # noqa:", "  # NOQA", "  # noqa: E501", "  # noqa: F401, E501"])
def test_bare_noqa_and_foreign_codes_do_not_silence(tmp_path, pack, comment):
    assert _check(tmp_path, pack, _module(deps_comment=comment, jose_comment=comment)) == ALL


def test_noqa_on_the_last_line_of_a_multiline_finding(tmp_path, pack):
    assert noqa.apply(
        [Finding("a.py", 3, 1, "deps-annotated", 5, 2, "warning", "m", "f")],
        {"a.py": {5: frozenset({"deps-annotated"})}},
    ) == ([], [])


def test_noqa_through_the_cli(tmp_path, monkeypatch, capsys):
    write_tree(tmp_path, {"pyproject.toml": PYPROJECT, "app.py": _module(deps_comment="  # noqa: deps-annotated")})
    monkeypatch.chdir(tmp_path)
    outcome = verify(capsys, "--no-cache", "--format", "json")
    assert outcome.code == 1
    assert [(f["line"], f["rule"]) for f in json.loads(outcome.out)] == [(2, "auth-pyjwt-not-jose")]


def _unused(tmp_path, monkeypatch, capsys, code: str, *args: str):
    write_tree(tmp_path, {"pyproject.toml": PYPROJECT, "app.py": code})
    monkeypatch.chdir(tmp_path)
    outcome = verify(capsys, "--no-cache", "--format", "json", *args)
    return outcome, [(f["line"], f["rule"], f["severity"]) for f in json.loads(outcome.out)]


def test_report_unused_noqa(tmp_path, monkeypatch, capsys):
    code = "import jwt\n\nTIMEOUT = 3  # noqa: deps-annotated\n"
    outcome, found = _unused(tmp_path, monkeypatch, capsys, code, "--report-unused-noqa")
    assert found == [(3, "unused-noqa", "info")]
    assert outcome.code == 0  # info: shown, not failing (unless --fail-on info)
    (finding,) = json.loads(outcome.out)
    assert "deps-annotated" in finding["message"]
    assert finding["path"] == "app.py"
    assert "Remove `deps-annotated`" in finding["fix"]


def test_unused_noqa_is_not_reported_without_the_flag(tmp_path, monkeypatch, capsys):
    outcome, found = _unused(tmp_path, monkeypatch, capsys, "TIMEOUT = 3  # noqa: deps-annotated\n")
    assert (outcome.code, found) == (0, [])


def test_used_noqa_and_foreign_codes_are_not_reported_as_unused(tmp_path, monkeypatch, capsys):
    code = _module(deps_comment="  # noqa: deps-annotated, E501", jose_comment="  # noqa: F401")
    _, found = _unused(tmp_path, monkeypatch, capsys, code, "--report-unused-noqa")
    assert found == [(2, "auth-pyjwt-not-jose", "error")]


def test_partly_used_noqa_reports_only_the_unused_id(tmp_path, monkeypatch, capsys):
    code = _module(deps_comment="  # noqa: deps-annotated, auth-pyjwt-not-jose")
    _, found = _unused(tmp_path, monkeypatch, capsys, code, "--report-unused-noqa")
    assert sorted(found) == [(2, "auth-pyjwt-not-jose", "error"), (9, "unused-noqa", "info")]


def test_unused_noqa_respects_fail_on(tmp_path, monkeypatch, capsys):
    outcome, found = _unused(
        tmp_path, monkeypatch, capsys, "X = 1  # noqa: deps-annotated\n", "--report-unused-noqa", "--fail-on", "warning"
    )
    assert found == [(1, "unused-noqa", "info")]
    assert outcome.code == 0


def test_noqa_after_a_form_feed_stays_on_its_line(tmp_path, pack):
    code = "X = 1\n\x0c\nfrom jose import jwt  # noqa: auth-pyjwt-not-jose\n"
    assert _check(tmp_path, pack, code) == set()


def test_noqa_inside_a_string_literal_does_not_silence(tmp_path, pack):
    code = 'NOTE = "# noqa: auth-pyjwt-not-jose"; from jose import jwt\n'
    assert _check(tmp_path, pack, code) == {(1, "auth-pyjwt-not-jose")}


def test_parse_returns_ids_per_line():
    text = "a = 1  # noqa: deps-annotated, E501\nb = 2\nc = 3  # noqa\nd = 4  # NOQA:X-Y\n"
    assert noqa.parse(text) == {1: frozenset({"deps-annotated", "e501"}), 4: frozenset({"x-y"})}


def test_an_unknown_id_is_reported_as_unknown_with_a_suggestion(tmp_path, monkeypatch, capsys):
    code = "import jwt  # noqa: made-up-rule\nX = 1  # noqa: deps-anotated\n"
    outcome, found = _unused(tmp_path, monkeypatch, capsys, code, "--report-unused-noqa")
    assert found == [(1, "unused-noqa", "info"), (2, "unused-noqa", "info")]
    first, second = json.loads(outcome.out)
    assert "unknown rule id `made-up-rule`" in first["message"] and "unused" not in first["message"]
    assert "(did you mean 'deps-annotated'" in second["message"]


def test_a_suppression_of_a_rule_not_selected_is_not_judged(tmp_path, monkeypatch, capsys):
    code = "X = 1  # noqa: deps-annotated\n"
    _, found = _unused(tmp_path, monkeypatch, capsys, code, "--report-unused-noqa", "--select", "auth")
    assert found == []


def test_file_wide_suppression(tmp_path, pack):
    code = _module().replace(
        "from fastapi import Depends\n", "# bp-rules: noqa: deps-annotated\nfrom fastapi import Depends\n"
    )
    assert _check(tmp_path, pack, code) == {(3, "auth-pyjwt-not-jose")}
    several = "# bp-rules: noqa: deps-annotated, auth-pyjwt-not-jose\n" + _module()
    assert _check(tmp_path, pack, several) == set()


def test_unused_file_wide_suppression_is_reported_at_its_line(tmp_path, monkeypatch, capsys):
    code = "X = 1\n# bp-rules: noqa: deps-annotated\n"
    outcome, found = _unused(tmp_path, monkeypatch, capsys, code, "--report-unused-noqa")
    assert found == [(2, "unused-noqa", "info")]
    assert "in this file" in json.loads(outcome.out)[0]["message"]


def test_parse_file_wide_and_several_noqa_comments_on_a_line():
    text = "# bp-rules: noqa: a-b, c-d\nx = 1  # noqa: E501  # noqa: e-f\n"
    assert noqa.parse(text) == {-1: frozenset({"a-b", "c-d"}), 2: frozenset({"e501", "e-f"})}


ADOPT = """\
from fastapi import Depends
from jose import jwt  # type: ignore


async def read(db: int = Depends(get_db)):  # noqa: E501
    return jwt.decode(db)


async def two(
    a: int = Depends(f),  # noqa: auth-pyjwt-not-jose
):
    return '''
text'''
"""


def test_add_noqa_suppresses_every_current_finding_idempotently(tmp_path, monkeypatch, capsys):
    write_tree(tmp_path, {"pyproject.toml": PYPROJECT, "app.py": ADOPT})
    monkeypatch.chdir(tmp_path)
    before = rules_of(verify(capsys, "--no-cache", "--format", "json").out)
    assert before == {(2, "auth-pyjwt-not-jose"), (5, "deps-annotated"), (10, "deps-annotated")}
    outcome = verify(capsys, "--no-cache", "--add-noqa")
    assert outcome.code == 0 and "Added 3 suppression(s) to 1 file(s)." in outcome.err
    text = (tmp_path / "app.py").read_text(encoding="utf-8")
    assert "from jose import jwt  # type: ignore  # noqa: auth-pyjwt-not-jose\n" in text
    assert "Depends(get_db)):  # noqa: E501  # noqa: deps-annotated\n" in text
    assert "a: int = Depends(f),  # noqa: auth-pyjwt-not-jose, deps-annotated\n" in text  # merged
    assert verify(capsys, "--no-cache", "--format", "json").out.strip() == "[]"
    verify(capsys, "--no-cache", "--add-noqa")
    assert (tmp_path / "app.py").read_text(encoding="utf-8") == text  # a second run adds nothing


def test_add_noqa_skips_a_line_inside_a_multiline_string_and_keeps_the_encoding(tmp_path, monkeypatch, capsys):
    code = "# -*- coding: latin-1 -*-\nX = 'caf\xe9'\nY = f'''{\n__import__('jose')}'''\nimport jose\n"
    write_tree(tmp_path, {"pyproject.toml": PYPROJECT})
    (tmp_path / "a.py").write_bytes(code.encode("latin-1"))
    monkeypatch.chdir(tmp_path)
    verify(capsys, "--no-cache", "--add-noqa")
    data = (tmp_path / "a.py").read_bytes()
    assert b"'caf\xe9'" in data and data.endswith(b"import jose  # noqa: auth-pyjwt-not-jose\n")


def rules_of(json_text: str) -> set[tuple[int, str]]:
    return {(f["line"], f["rule"]) for f in json.loads(json_text)}


def test_add_noqa_on_syntax_newer_than_the_running_python(tmp_path, monkeypatch, capsys):
    # `except A, B:` (Python 3.14) is read by libcst; the edit is checked token by token, not by `ast`
    code = "def f():\n    try:\n        pass\n    except KeyError, ValueError:\n        raise RuntimeError('x')\n"
    write_tree(tmp_path, {"pyproject.toml": PYPROJECT, "a.py": code})
    monkeypatch.chdir(tmp_path)
    outcome = verify(capsys, "--no-cache", "--add-noqa", "--select", "errors-chain-from")
    assert "Added 1 suppression(s) to 1 file(s)." in outcome.err, outcome.err
    assert "        raise RuntimeError('x')  # noqa: errors-chain-from\n" in (tmp_path / "a.py").read_text()


def test_add_noqa_goes_on_through_every_project_and_lists_what_it_cannot_suppress(tmp_path, monkeypatch, capsys):
    ini = "[alembic]\nscript_location = migrations\n"
    write_tree(tmp_path, {"pyproject.toml": PYPROJECT, "alembic.ini": ini, "a.py": "import jose\n",
                          "svc/pyproject.toml": PYPROJECT, "svc/b.py": "import jose\n"})  # fmt: skip
    monkeypatch.chdir(tmp_path)
    outcome = verify(capsys, "--no-cache", "--add-noqa")
    assert outcome.code == 1
    assert "alembic.ini:" in outcome.err and "not a Python or TOML file" in outcome.err
    assert (tmp_path / "a.py").read_text() == "import jose  # noqa: auth-pyjwt-not-jose\n"
    assert (tmp_path / "svc/b.py").read_text() == "import jose  # noqa: auth-pyjwt-not-jose\n"
