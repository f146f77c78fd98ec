"""`bp-rules verify` as a user meets it: help, the files reported, statistics, the default threshold, adoption."""

from __future__ import annotations

import json

import pytest

from bp_rules.cli import main
from tests.conftest import write_tree
from tests.verify_cli import PYPROJECT, rules_at, use_session_pack, verify

JOSE = "auth-pyjwt-not-jose"
DEPS = "deps-annotated"


@pytest.fixture(autouse=True)
def _fast_pack(monkeypatch, pack):
    use_session_pack(monkeypatch, pack)


@pytest.fixture
def project(tmp_path, monkeypatch):
    write_tree(tmp_path, {"pyproject.toml": PYPROJECT, "app/__init__.py": "", "app/a.py": "import jose\n",
                          "app/b.py": "import jose\nimport jose.jwt\n", "lib/c.py": "import jose\n"})  # fmt: skip
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_verify_help_lists_its_options_and_diff(capsys):
    assert main(["verify", "--help"]) == 0
    out = capsys.readouterr().out
    assert "Usage: bp-rules verify [OPTIONS] [PATHS]..." in out
    for option in ("--select", "--ignore", "--fail-on", "--format", "--statistics", "--add-noqa", "--no-cache"):
        assert option in out, option
    assert "bp-rules verify diff" in out and "Examples:" in out


def test_a_wrong_option_names_the_command_the_user_typed(capsys):
    assert main(["verify", "--bogus"]) == 2
    err = capsys.readouterr().err
    assert "Usage: bp-rules verify [OPTIONS] [PATHS]..." in err and "paths" not in err


def test_only_the_files_asked_for_are_reported(project, capsys):
    write_tree(project, {"pyproject.toml": PYPROJECT.replace("[tool.ruff]\nline-length = 100\n", "")})  # no ruff
    everything = rules_at(verify(capsys, "--no-cache").out)
    assert ("pyproject.toml", 1, "tooling-ruff") in everything or any(p == "pyproject.toml" for p, _, _ in everything)
    outcome = verify(capsys, "--no-cache", "app/a.py")
    assert rules_at(outcome.out) == {("app/a.py", 1, JOSE)}
    assert "in 1 file." in outcome.out
    assert {p for p, _, _ in rules_at(verify(capsys, "--no-cache", "app").out)} == {"app/a.py", "app/b.py"}


def test_a_path_with_nothing_to_check_is_an_error_not_a_pass(project, capsys):
    write_tree(project, {"docs/index.md": "# docs\n"})
    outcome = verify(capsys, "--no-cache", "docs")
    assert outcome.code == 2
    assert "no Python or project files to check" in outcome.err


def test_statistics_count_per_rule_most_frequent_first(project, capsys):
    write_tree(project, {"app/d.py": "from fastapi import Depends\n\n\ndef f(x: int = Depends(g)):\n    pass\n"})
    outcome = verify(capsys, "--no-cache", "--statistics", "--select", "auth,deps")
    lines = outcome.out.splitlines()
    assert lines[0].split()[:2] == ["4", JOSE] and lines[1].split()[:2] == ["1", DEPS]
    assert lines[-1] == "Found 5 findings of 2 rules."
    assert outcome.code == 1
    rows = json.loads(verify(capsys, "--no-cache", "--statistics", "--format", "json", "--select", "auth,deps").out)
    assert [(r["rule"], r["count"]) for r in rows] == [(JOSE, 4), (DEPS, 1)]


def test_the_text_summary_names_the_most_frequent_rules(project, capsys):
    write_tree(project, {f"lib/m{i}.py": "import jose\n" for i in range(10)})
    write_tree(project, {"app/d.py": "from fastapi import Depends\n\n\ndef f(x: int = Depends(g)):\n    pass\n"})
    out = verify(capsys, "--no-cache", "--select", "auth,deps").out
    assert f"Most frequent: {JOSE} (14), {DEPS} (1) (--statistics counts every rule)." in out


def test_plural_severities_in_the_summary(project, capsys):
    out = verify(capsys, "--no-cache", "--select", "auth").out
    assert "Found 4 findings (4 errors) in 4 files." in out


def test_info_findings_do_not_fail_a_run_by_default(tmp_path, monkeypatch, capsys):
    # errors-chain-from is info: shown, but the run passes unless --fail-on info (or fail-on = "info")
    code = "def f():\n    try:\n        pass\n    except KeyError:\n        raise ValueError('x')\n"
    write_tree(tmp_path, {"pyproject.toml": PYPROJECT, "a.py": code})
    monkeypatch.chdir(tmp_path)
    outcome = verify(capsys, "--no-cache", "--select", "errors-chain-from")
    assert ("a.py", 5, "errors-chain-from") in rules_at(outcome.out)
    assert outcome.code == 0
    assert "Only those at or above --fail-on warning fail the run." in outcome.out
    assert verify(capsys, "--no-cache", "--select", "errors-chain-from", "--fail-on", "info").code == 1
    write_tree(tmp_path, {"pyproject.toml": PYPROJECT + '\n[tool.bp-rules]\nfail-on = "info"\n'})
    assert verify(capsys, "--no-cache", "--select", "errors-chain-from").code == 1


def test_latin1_declared_encoding_is_honoured(tmp_path, monkeypatch, capsys):
    write_tree(tmp_path, {"pyproject.toml": PYPROJECT})
    (tmp_path / "a.py").write_bytes(b"# -*- coding: latin-1 -*-\nNAME = 'caf\xe9'\nimport jose\n")
    monkeypatch.chdir(tmp_path)
    outcome = verify(capsys, "--no-cache")
    assert rules_at(outcome.out) == {("a.py", 3, JOSE)}


def test_an_unknown_declared_encoding_is_reported_not_a_crash(tmp_path, monkeypatch, capsys):
    write_tree(tmp_path, {"pyproject.toml": PYPROJECT})
    (tmp_path / "a.py").write_bytes(b"# -*- coding: no-such-codec -*-\nX = 1\n")
    monkeypatch.chdir(tmp_path)
    outcome = verify(capsys, "--no-cache")
    assert rules_at(outcome.out) == {("a.py", 1, "syntax-error")}
    assert "no-such-codec" in outcome.out


TEMPLATE = """\
from polar.base import Client
{% for service in api.services %}
from polar.{{ version }}.services import {{ service.name }}
{% endfor %}
"""


def test_a_template_named_py_is_not_source_and_says_so(tmp_path, monkeypatch, capsys):
    write_tree(
        tmp_path,
        {
            "pyproject.toml": PYPROJECT,
            "gen/template/client.py": TEMPLATE,
            "gen/template/version.py": "from polar.{{ version }}.client import Polar\n",
            "app/broken.py": 'NAME = "{{ name }}"\nif NAME\n    pass\n',
        },
    )
    monkeypatch.chdir(tmp_path)
    for _ in range(2):  # the second run reads the cache
        outcome = verify(capsys)
        assert rules_at(outcome.out) == {("app/broken.py", 2, "syntax-error")}
        assert "gen/template/client.py: a template (`{%` at line 2), not Python source; not checked" in outcome.err
        assert "gen/template/version.py: a template (`{{` at line 1)" in outcome.err
        assert "broken.py" not in outcome.err
    capsys.readouterr()
    assert main(["explain", "gen/template/client.py"]) == 0
    assert "not checked:    a template (`{%` at line 2), not Python source" in capsys.readouterr().out
    main(["explain", "app/broken.py"])
    assert "not checked" not in capsys.readouterr().out


@pytest.mark.parametrize(
    "source",
    [
        'print(f"{{total}}"\n',  # `{{` only inside a string
        "totals = {{1}}\ndef f(:\n    pass\n",  # `{{` on another line than the error
        "mapping = {  # a comment, not {# #}\n    1: 2\nif mapping\n",
        "value = 10 %\n",
    ],
)
def test_a_real_syntax_error_next_to_braces_is_still_reported(tmp_path, monkeypatch, capsys, source):
    write_tree(tmp_path, {"pyproject.toml": PYPROJECT, "a.py": source})
    monkeypatch.chdir(tmp_path)
    outcome = verify(capsys, "--no-cache")
    assert {rule for _, _, rule in rules_at(outcome.out)} == {"syntax-error"}
    assert "not Python source" not in outcome.err
