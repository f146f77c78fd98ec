"""`bp-rules rules new <id>` on a copy of the package: the record loads, the check registers, errors exit 2."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import bp_rules
from bp_rules import scaffold
from bp_rules.cli import main


@pytest.fixture
def package(tmp_path, monkeypatch) -> Path:
    """A copy of the bp_rules package for the command to write into; the installed one stays untouched."""
    copy = tmp_path / "bp_rules"
    shutil.copytree(Path(bp_rules.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    monkeypatch.setattr(scaffold, "PACKAGE", copy)
    return copy


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def _from_copy(package: Path, code: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(package.parent)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout)


def test_new_rule_writes_a_valid_record_and_a_registered_check(package, capsys):
    before = _files(package)
    assert main(["rules", "new", "async-no-sleep-in-loop"]) == 0
    created = _files(package) - before
    record = package / "rules" / "async" / "async-no-sleep-in-loop.yaml"
    check = package / "validator" / "checks" / "async_" / "no_sleep_in_loop.py"
    assert created == {record, check}
    assert str(record) in capsys.readouterr().out

    # the copy, imported fresh: the record is valid under the schema and the check registered by itself
    seen = _from_copy(
        package,
        "import json, bp_rules\n"
        "from bp_rules.schema.loader import builtin_rules_dir, load_dir\n"
        "from bp_rules.validator.registry import FILE_CHECKS, load_builtin_checks\n"
        "rules, _, _, errors = load_dir(builtin_rules_dir())\n"
        "load_builtin_checks()\n"
        "rule = rules['async-no-sleep-in-loop']\n"
        "print(json.dumps({'package': bp_rules.__file__, 'errors': [str(e) for e in errors],\n"
        "    'category': rule.category, 'dont': len(rule.examples.dont), 'do': len(rule.examples.do),\n"
        "    'kind': rule.check.kind, 'check': FILE_CHECKS['async-no-sleep-in-loop'].__module__}))",
    )
    assert seen == {
        "package": str(package / "__init__.py"),
        "errors": [],
        "category": "async",
        "dont": 1,
        "do": 1,
        "kind": "python",
        "check": "bp_rules.validator.checks.async_.no_sleep_in_loop",
    }


def test_a_category_without_checks_gets_its_package(package):
    shutil.rmtree(package / "validator" / "checks" / "upload")
    before = _files(package)
    assert main(["rules", "new", "upload-limit-size", "--category", "upload"]) == 0
    checks = package / "validator" / "checks" / "upload"
    assert _files(package) - before == {
        package / "rules" / "upload" / "upload-limit-size.yaml",
        checks / "__init__.py",
        checks / "limit_size.py",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nosuch-rule-id"], "unknown category 'nosuch'"),
        (["deps-annotated"], "rule 'deps-annotated' exists already"),
        (["db-new-thing", "--category", "deps"], "does not start with its category prefix `deps-`"),
        (["Deps_Bad"], "is no rule id"),
    ],
)
def test_what_cannot_be_added_exits_2_and_writes_nothing(package, capsys, args, message):
    before = _files(package)
    assert main(["rules", "new", *args]) == 2
    assert message in capsys.readouterr().err
    assert _files(package) == before
