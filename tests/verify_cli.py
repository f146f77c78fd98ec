"""Shared helpers for the tests that drive `bp-rules verify` through `bp_rules.cli.main`."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from bp_rules.cli import main
from bp_rules.schema.loader import Pack, load_pack
from bp_rules.validator import command

# a project that lints with ruff, so that the project-file rules (tooling-ruff) stay quiet in these tests
PYPROJECT = '[project]\nname = "demo"\nversion = "0.1.0"\n\n[tool.ruff]\nline-length = 100\n'


@dataclass
class Outcome:
    code: int
    out: str
    err: str


def use_session_pack(monkeypatch: pytest.MonkeyPatch, pack: Pack) -> None:
    """Reuse the session's built-in pack instead of re-reading every YAML record on each CLI call."""

    def fast(dirs=()):
        return pack if not list(dirs) else load_pack(dirs)

    monkeypatch.setattr(command, "load_pack", fast)


def verify(capsys: pytest.CaptureFixture[str], *args: str) -> Outcome:
    capsys.readouterr()
    code = main(["verify", *args])
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


def rules_at(text_output: str) -> set[tuple[str, int, str]]:
    """(path, line, rule) of every finding line of the text format."""
    found = set()
    for line in text_output.splitlines():
        head, sep, rest = line.partition(": ")
        parts = head.rsplit(":", 2)
        if sep and len(parts) == 3 and parts[1].isdigit():
            found.add((parts[0], int(parts[1]), rest.split(" ", 1)[0]))
    return found


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.email=a@b", "-c", "user.name=t", "-c", "init.defaultBranch=main",
         "-c", "commit.gpgsign=false", *args],
        cwd=repo, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout
