"""The contract of an export target, and its size budgets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Literal

from bp_rules.agents.content import Selection

Unit = Literal["chars", "bytes", "lines"]


@dataclass(frozen=True)
class Budget:
    """A documented size limit of an agent: files matching `pattern` should stay under `limit` units."""

    pattern: str
    limit: int
    unit: Unit
    why: str

    def matches(self, path: str) -> bool:
        return fnmatchcase(path, self.pattern)

    def measure(self, text: str) -> int:
        if self.unit == "bytes":
            return len(text.encode("utf-8"))
        if self.unit == "lines":
            return len(text.splitlines())
        return len(text)


@dataclass(frozen=True)
class Target:
    """One export target.

    `render` is pure: it maps the selection to {relative path: text}. Paths in `managed` are single files
    the user may also edit: their text goes between the bp-rules markers. Every other path is a whole file
    owned by bp-rules (it carries the provenance header), under one of `owned` (directory, glob), where
    stale owned files are deleted.
    """

    name: str
    summary: str
    render: Callable[[Selection], dict[str, str]]
    managed: frozenset[str] = frozenset()
    owned: tuple[tuple[str, str], ...] = ()
    budgets: tuple[Budget, ...] = ()
    requires: tuple[str, ...] = ()
