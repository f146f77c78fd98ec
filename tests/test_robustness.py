"""Bad input never crashes the validator, never hangs it, and never makes it run the code it reads."""

from __future__ import annotations

import json
import os
import sys

import pytest

from bp_rules.validator import engine
from bp_rules.validator.config import Config
from bp_rules.validator.files import collect
from tests.conftest import verify_tree, write_tree
from tests.verify_cli import PYPROJECT, use_session_pack, verify

JOSE = "auth-pyjwt-not-jose"


@pytest.fixture(autouse=True)
def _fast_pack(monkeypatch, pack):
    use_session_pack(monkeypatch, pack)


@pytest.fixture
def project(tmp_path, monkeypatch):
    write_tree(tmp_path, {"pyproject.toml": PYPROJECT, "src/good.py": "import jose\n"})
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _json(capsys, *args):
    outcome = verify(capsys, "--no-cache", "--format", "json", *args)
    assert "Traceback" not in outcome.err
    return outcome, json.loads(outcome.out) if outcome.out else []


@pytest.mark.parametrize(
    ("source", "line"),
    [
        pytest.param("x = 1\n\nreturn 3 3\n", 3, id="return-two-values"),
        pytest.param("x = 1\ny = (\n", 2, id="unclosed-paren"),
        pytest.param("x = 1\nprint 'hi'\n", 2, id="print-statement"),
        pytest.param("x = 1\ny = = 2\nz = 3\n", 2, id="double-equals"),
        pytest.param("import os\n\n\ndef broken(:\n    pass\n", 4, id="bad-signature"),
        pytest.param("from jose import jwt\n\nclass A\n    pass\n", 3, id="missing-colon"),
        pytest.param("def f():\n    return 1\n  x = 2\n", 3, id="bad-dedent"),
    ],
)
def test_syntax_error_gives_one_finding_and_other_files_are_checked(project, capsys, source, line):
    write_tree(project, {"src/broken.py": source})
    outcome, found = _json(capsys)
    assert outcome.code == 1
    broken = [f for f in found if f["path"] == "src/broken.py"]
    assert [(f["rule"], f["line"], f["severity"]) for f in broken] == [("syntax-error", line, "error")]
    assert "cannot parse" in broken[0]["message"]
    assert broken[0]["fix"] == engine.SYNTAX_FIX
    assert [(f["path"], f["rule"]) for f in found if f["path"] != "src/broken.py"] == [("src/good.py", JOSE)]


def test_syntax_error_can_be_ignored(project, capsys):
    write_tree(project, {"src/broken.py": "def broken(:\n"})
    _, found = _json(capsys, "--ignore", "syntax-error")
    assert [(f["path"], f["rule"]) for f in found] == [("src/good.py", JOSE)]


def test_non_utf8_file_gives_one_clear_finding(project, capsys):
    (project / "src/latin.py").write_bytes(b"# caf\xe9\nimport jose\n")
    outcome, found = _json(capsys)
    latin = [f for f in found if f["path"] == "src/latin.py"]
    assert [(f["rule"], f["line"]) for f in latin] == [("syntax-error", 1)]
    assert "UTF-8" in latin[0]["message"] and "byte 5" in latin[0]["message"]
    assert ("src/good.py", JOSE) in [(f["path"], f["rule"]) for f in found]
    assert outcome.code == 1


def test_utf8_bom_and_crlf_are_fine(project, capsys):
    (project / "src/bom.py").write_bytes(b"\xef\xbb\xbfimport os\r\n\r\nfrom jose import jwt\r\n")
    _, found = _json(capsys)
    assert ("src/bom.py", 3, JOSE) in [(f["path"], f["line"], f["rule"]) for f in found]


@pytest.mark.parametrize("content", ["", "\n", "# only a comment\n", '"""Only a docstring."""\n'])
def test_empty_or_trivial_file_is_clean(tmp_path, monkeypatch, capsys, content):
    write_tree(tmp_path, {"pyproject.toml": PYPROJECT, "src/empty.py": content, "src/__init__.py": ""})
    monkeypatch.chdir(tmp_path)
    outcome = verify(capsys, "--no-cache")
    assert (outcome.code, outcome.out) == (0, "All checks passed (2 files).\n")


def test_symlink_loop_does_not_hang_or_crash(project, capsys):
    os.symlink(project / "src", project / "src" / "loop", target_is_directory=True)
    os.symlink(project, project / "src" / "root_again", target_is_directory=True)
    os.symlink(project / "missing.py", project / "src" / "dangling.py")
    outcome, found = _json(capsys)
    assert outcome.code == 1
    assert [(f["path"], f["rule"]) for f in found] == [("src/good.py", JOSE)]
    outcome, found = _json(capsys, "src/loop")
    assert outcome.code in (0, 1)


def test_file_symlink_is_checked(project, capsys):
    write_tree(project, {"shared/real.py": "from jose import jwt\n"})
    os.symlink(project / "shared" / "real.py", project / "src" / "link.py")
    _, found = _json(capsys, "src")
    assert {(f["path"], f["rule"]) for f in found} == {("src/good.py", JOSE), ("src/link.py", JOSE)}


@pytest.mark.parametrize("args", [("nope",), ("src/nope.py",), ("src", "missing-dir")])
def test_missing_path_is_a_usage_error(project, capsys, args):
    outcome = verify(capsys, "--no-cache", *args)
    assert outcome.code == 2
    assert f"{args[-1]}: no such file or directory" in outcome.err
    assert "Traceback" not in outcome.err
    assert outcome.out == ""


def test_path_in_another_project_is_checked_as_that_project(project, capsys, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    write_tree(outside, {"pyproject.toml": "[project]\nname = 'other'\n", "x.py": "import jose\n"})
    outcome = verify(capsys, "--no-cache", "--select", "auth-pyjwt-not-jose", "src", str(outside / "x.py"))
    assert outcome.code == 1
    shown = os.path.relpath(outside / "x.py").replace(os.sep, "/")
    assert f"{shown}:1:8: auth-pyjwt-not-jose" in outcome.out


def test_gitignored_files_and_virtualenvs_are_skipped(project, capsys):
    write_tree(
        project,
        {
            ".gitignore": "generated/\n*_pb2.py\n/build_output.py\n",
            "src/generated/api.py": "import jose\n",
            "src/models_pb2.py": "import jose\n",
            "build_output.py": "import jose\n",
            "src/nested/.gitignore": "local.py\n",
            "src/nested/local.py": "import jose\n",
            "src/nested/kept.py": "import jose\n",
            ".venv/lib/python3.12/site-packages/jose/__init__.py": "import jose\n",
            "venv/lib/x.py": "import jose\n",
            "myenv/pyvenv.cfg": "home = /usr/bin\n",
            "myenv/lib/y.py": "import jose\n",
            "node_modules/z.py": "import jose\n",
            "src/__pycache__/w.py": "import jose\n",
            "pkg.egg-info/v.py": "import jose\n",
        },
    )
    _, found = _json(capsys)
    assert sorted(f["path"] for f in found) == ["src/good.py", "src/nested/kept.py"]


def test_a_file_named_explicitly_is_checked_even_if_gitignored(project, capsys):
    write_tree(project, {".gitignore": "scratch.py\n", "scratch.py": "import jose\n"})
    _, found = _json(capsys, "scratch.py")
    assert [f["path"] for f in found] == ["scratch.py"]


def test_exclude_setting_replaces_nothing_builtin(project, capsys):
    write_tree(project, {"pyproject.toml": PYPROJECT + '[tool.bp-rules]\nexclude = ["src/good.py"]\n'})
    write_tree(project, {".venv/x.py": "import jose\n", "src/other.py": "import jose\n"})
    _, found = _json(capsys)
    assert [f["path"] for f in found] == ["src/other.py"]


MALICIOUS = """\
import pathlib

pathlib.Path({marker!r}).write_text("imported")
raise SystemExit("this module must never be imported")

from jose import jwt


def main():
    pathlib.Path({marker!r}).write_text("called")


if __name__ == "__main__":
    main()
"""


def test_the_validator_never_imports_the_code_it_reads(project, capsys, tmp_path_factory):
    marker = tmp_path_factory.mktemp("marker") / "imported.txt"
    write_tree(
        project,
        {
            "src/evil.py": MALICIOUS.format(marker=str(marker)),
            "src/__init__.py": f"open({str(marker)!r}, 'w').write('package')\n",
            "conftest.py": f"open({str(marker)!r}, 'w').write('conftest')\n",
            "src/__main__.py": "import evil\n",
        },
    )
    before = set(sys.modules)
    outcome, found = _json(capsys)
    assert not marker.exists()
    assert outcome.code == 1
    assert ("src/evil.py", 6, JOSE) in [(f["path"], f["line"], f["rule"]) for f in found]
    assert not {name for name in set(sys.modules) - before if name.startswith(("evil", "src", "conftest"))}


def test_oversized_file_is_reported_not_parsed(tmp_path, pack, monkeypatch):
    monkeypatch.setattr(engine, "MAX_FILE_BYTES", 1024)
    write_tree(tmp_path, {"big.py": "import jose\n" + "x = 1\n" * 400, "small.py": "import jose\n"})
    found = [(f.path, f.rule, f.line) for f in verify_tree(tmp_path, pack)]
    assert ("big.py", "syntax-error", 1) in found
    assert ("small.py", JOSE, 1) in found
    assert ("big.py", JOSE, 1) not in found


def test_deeply_nested_expression_does_not_crash(tmp_path, pack):
    write_tree(tmp_path, {"deep.py": "x = " + "(" * 200 + "1" + ")" * 200 + "\n", "ok.py": "import jose\n"})
    found = verify_tree(tmp_path, pack)
    assert ("ok.py", JOSE) in [(f.path, f.rule) for f in found]
    assert all(f.path == "ok.py" or f.rule == "syntax-error" for f in found)


def test_unreadable_file_is_a_finding(tmp_path, pack, monkeypatch):
    write_tree(tmp_path, {"a.py": "import jose\n", "b.py": "X = 1\n"})
    config = Config(root=tmp_path.resolve())
    files = collect([tmp_path], config)
    (tmp_path / "b.py").unlink()  # vanished between listing and reading
    result = engine.run(pack, config, files, jobs=1, use_cache=False)
    assert [(f.path, f.rule) for f in result.findings] == [("a.py", JOSE), ("b.py", "syntax-error")]
    assert "cannot read" in result.findings[1].message


def test_internal_error_is_exit_2_without_a_traceback(project, capsys, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr("bp_rules.validator.command.run", boom)
    outcome = verify(capsys, "--no-cache")
    assert outcome.code == 2
    assert "internal error: RuntimeError: kaboom" in outcome.err
    assert "Traceback" not in outcome.err
