"""Checks, registered by rule id.

A check implements one rule record whose `check.kind` is `python`. File checks run in phase 1 on one parsed
file; project checks run in phase 2 on the summaries of every file. The test suite requires both directions:
every `python` record has a check here, and every check here names a record.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from bp_rules.validator.context import FileContext
    from bp_rules.validator.project import Project


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    path: str
    line: int
    col: int
    rule: str
    end_line: int
    end_col: int
    severity: str
    message: str
    fix: str

    def to_json(self) -> dict:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "end_line": self.end_line,
            "end_col": self.end_col,
            "message": self.message,
            "fix": self.fix,
        }


class FileCheck:
    """A single-file check: reads the parsed tree and the file's summary in phase 1."""

    rule_id: ClassVar[str]
    # libcst node types this check wants collected during the shared walk
    node_types: ClassVar[tuple[type, ...]] = ()

    def check(self, ctx: FileContext) -> None:
        raise NotImplementedError


class ProjectCheck:
    """A cross-file check: reads every file's summary in phase 2."""

    rule_id: ClassVar[str]

    def check(self, project: Project) -> None:
        raise NotImplementedError


FILE_CHECKS: dict[str, type[FileCheck]] = {}
PROJECT_CHECKS: dict[str, type[ProjectCheck]] = {}


def register(cls):
    """Class decorator: make a check available under its `rule_id`.

    A rule has at most one check per phase. It may have both: a file check that records what phase 2 needs
    in `summary.facts[rule_id]` (facts only the syntax tree shows), and a project check that reads them.
    """
    table = FILE_CHECKS if issubclass(cls, FileCheck) else PROJECT_CHECKS
    if cls.rule_id in table:
        raise ValueError(f"two checks registered for {cls.rule_id}")
    table[cls.rule_id] = cls
    return cls


def load_builtin_checks() -> None:
    """Import the check modules so that they register themselves."""
    import bp_rules.validator.checks  # noqa: F401


def registered_ids() -> Iterator[str]:
    load_builtin_checks()
    yield from FILE_CHECKS
    yield from PROJECT_CHECKS
