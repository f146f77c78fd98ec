"""The project-file readers behind the tooling and versions checks: parsing edge cases and broken files."""

from __future__ import annotations

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from bp_rules.validator.analysis.project_files import (
    commands,
    lacks_subcommand,
    logical_lines,
    lowest_admitted,
    poetry_specifiers,
    ruff_arguments,
)
from tests.conftest import verify_tree, write_tree

PROJECT_RULES = ("tooling", "versions")


@pytest.mark.parametrize(
    ("line", "bad"),
    [
        ("ruff src", True),
        ("ruff --fix .", True),
        ("uv run --frozen ruff .", True),
        ("poetry run ruff --fix src && ruff format src", True),
        ("FOO=1 .venv/bin/ruff src", True),
        ("python -m ruff tests", True),
        ("uvx ruff@0.17.6 src", True),
        ("ruff check --fix src", False),
        ("ruff --config ruff.toml check .", False),
        ("ruff -q format src", False),
        ("ruff --version", False),
        ("ruff", False),
        ("ruff $RUFF_ARGS", False),
        ("uv run --with ruff ruff check .", False),
        ("echo ruff src", False),
        ("pip install ruff==0.6.0", False),
    ],
)
def test_ruff_invocations(line: str, bad: bool):
    found = [lacks_subcommand(args) for c in commands(line) if (args := ruff_arguments(c)) is not None]
    assert any(found) is bad


def test_makefile_recipes_only_and_continuations_joined():
    text = "RUFF = ruff src\n\nlint:\n\t@ruff \\\n\t  src tests\n\t-ruff format src\n"
    assert list(logical_lines(text, makefile=True)) == [(3, "ruff src tests"), (5, "ruff format src")]


@pytest.mark.parametrize(
    ("constraint", "lowest"),
    [("^3.10", "3.10"), ("~0.115", "0.115"), (">= 2.7, < 3", "2.7"), ("2.0.30", "2.0.30"), ("1.13.*", "1.13")],
)
def test_poetry_constraints(constraint: str, lowest: str):
    specs = poetry_specifiers(constraint)
    assert specs is not None
    assert lowest_admitted(specs[0])[0] == Version(lowest)


def test_lowest_admitted_knows_exclusive_bounds_and_unpinned():
    assert lowest_admitted(SpecifierSet(">2.0,<3")) == (Version("2.0"), True)
    assert lowest_admitted(SpecifierSet("<3")) is None
    assert lowest_admitted(SpecifierSet("")) is None


def test_each_broken_project_file_is_one_finding_of_its_own_rule(tmp_path):
    write_tree(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "x"\ndependencies = ["fastapi>=0.100"\n',
            "uv.lock": 'version = 1\n[[package]\nname = "x"\n',
            ".pre-commit-config.yaml": "repos:\n  - repo: local\n    hooks: [\n",
            "setup.cfg": "no section header\n",
            ".github/workflows/ci.yml": 'jobs:\n  a:\n    steps:\n      - run: "ruff src\n',
            # lines pip accepts but that are not requirements (editables, paths, garbage) are skipped quietly
            "requirements.txt": "fastapi==0.165.0\n-e git+https://example.com/x.git#egg=x\n./vendor/pkg\nnot a req =\n",
            "src/app.py": "x = 1\n",
        },
    )
    findings = verify_tree(tmp_path, _pack(), select=PROJECT_RULES)
    by_path: dict[str, list[str]] = {}
    for f in findings:
        by_path.setdefault(f.path, []).append(f.message)
    broken = {"pyproject.toml", "uv.lock", ".pre-commit-config.yaml", "setup.cfg", ".github/workflows/ci.yml"}
    assert set(by_path) == broken
    assert all(len(messages) == 1 and "could not be checked" in messages[0] for messages in by_path.values())
    assert {f.rule for f in findings} == {"tooling-project-file-parses"}


def test_rules_that_read_a_broken_file_stay_quiet_without_its_rule(tmp_path):
    write_tree(tmp_path, {"uv.lock": 'version = 1\n[[package]\nname = "x"\n', "src/app.py": "x = 1\n"})
    assert verify_tree(tmp_path, _pack(), select=("versions", "tooling-no-redundant-formatters")) == []


def _pack():
    from bp_rules.schema.loader import load_pack

    return load_pack()
