"""The `bp-rules` command line: rules list/show/validate, schema, version, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import click

from bp_rules import __version__
from bp_rules.cli import cli, main
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


def test_every_command_has_help_with_examples_and_its_options(capsys):
    commands = {
        (): "--version",
        ("rules",): "--help",
        ("rules", "list"): "--category",
        ("rules", "show"): "--rules",
        ("rules", "validate"): "--help",
        ("schema",): "--matrix",
        ("verify",): "--select",
        ("verify", "diff"): "--staged",
        ("export",): "--target",
    }
    for command, option in commands.items():
        assert main([*command, "--help"]) == 0, command
        out = capsys.readouterr().out
        assert "Example" in out, command
        assert f"Usage: bp-rules {' '.join(command)}".rstrip() in out, command
        options = out[out.index("Options:") :]
        assert option in options, command


def _every_command(group: click.Group, path: tuple[str, ...] = ()):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield (*path, name)
        if isinstance(command, click.Group):
            yield from _every_command(command, (*path, name))


def test_every_registered_command_has_an_example_in_its_help(capsys):
    for command in [*_every_command(cli), ("verify", "diff")]:
        assert main([*command, "--help"]) == 0, command
        out = capsys.readouterr().out
        assert "Example" in out and "Options:" in out, command


def test_rules_list_unknown_category_is_a_usage_error(capsys):
    assert main(["rules", "list", "--category", "asynk"]) == 2
    assert "unknown category 'asynk' (did you mean 'async'?)" in capsys.readouterr().err


def test_version_imports_neither_pydantic_nor_libcst():
    code = (
        "import sys; from bp_rules.cli import main; main(['--version']); "
        "print(sorted(m for m in ('pydantic', 'libcst', 'yaml') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().endswith("[]")
