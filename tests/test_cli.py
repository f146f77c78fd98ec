"""The `bp-rules` command line: rules list/show/validate, schema, version, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

from bp_rules import __version__
from bp_rules.cli import main
from bp_rules.schema import generate_schema


def test_version(capsys):
    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


def test_rules_list_json_counts(capsys, pack):
    assert main(["rules", "list", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["count"] == len(pack.rules)
    assert sum(data["by_category"].values()) == data["count"]
    assert data["checked"] == sum(1 for r in pack.rules.values() if r.checked)
    ids = [r["id"] for r in data["rules"]]
    assert "deps-annotated" in ids and ids == sorted(ids, key=lambda i: (pack.rules[i].category, i))


def test_rules_list_filters(capsys):
    assert main(["rules", "list", "--category", "async", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["count"] == 6 and set(data["by_category"]) == {"async"}
    assert main(["rules", "list", "--severity", "error", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["rules"] and all(r["severity"] == "error" for r in data["rules"])


def test_rules_list_table(capsys):
    assert main(["rules", "list", "--category", "deps"]) == 0
    out = capsys.readouterr().out
    assert "deps-annotated" in out and "checked" in out


def test_rules_show_reads_well(capsys, pack):
    assert main(["rules", "show", "deps-annotated"]) == 0
    out = capsys.readouterr().out
    rule = pack.rules["deps-annotated"]
    for text in ("deps-annotated", "[warning]", rule.summary, "Why", "Don't", "Do", "Fix", "FAST002", "# noqa"):
        assert text in out
    assert " >  10 |" in out  # the marked line of the Don't example


def test_rules_show_unknown_id_suggests(capsys):
    assert main(["rules", "show", "annotated"]) == 2
    assert "deps-annotated" in capsys.readouterr().err


def test_schema_prints_the_rule_schema(capsys):
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == generate_schema("rule")
    assert main(["schema", "--matrix"]) == 0
    assert json.loads(capsys.readouterr().out) == generate_schema("matrix")


def test_every_command_has_help_with_examples(capsys):
    for argv in (["--help"], ["rules", "--help"], ["rules", "list", "--help"], ["rules", "show", "--help"],
                 ["rules", "validate", "--help"], ["schema", "--help"], ["verify", "--help"],
                 ["verify", "diff", "--help"]):  # fmt: skip
        assert main(argv) == 0, argv
        out = capsys.readouterr().out
        assert "Example" in out, argv


def test_usage_error_exits_2(capsys):
    assert main(["rules", "list", "--severity", "fatal"]) == 2
    assert main(["no-such-command"]) == 2


def test_python_dash_m_runs_the_cli():
    done = subprocess.run([sys.executable, "-m", "bp_rules", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and __version__ in done.stdout
