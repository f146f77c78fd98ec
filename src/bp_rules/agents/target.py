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


# What one request that edits a typical file may load from a scoped target: the always-on files plus the
# files attached to that path. Past this, more instructions stop helping: agents follow focused rules.
LOAD_LIMIT = 12 * 1024
LOAD_WHY = "what one request editing a typical file loads (always-on + attached files)"


@dataclass(frozen=True)
class Attach:
    """When an agent loads a file: on every request (`always`), with a file matching `globs`, or only on
    demand (neither). `always_bytes` is what an on-demand file costs on every request anyway (a skill's
    name and description)."""

    always: bool = False
    globs: tuple[str, ...] = ()
    always_bytes: int = 0


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
    attach: Callable[[str, str], Attach] | None = None  # how the agent decides to load a file (path, text)
    load_limit: int | None = None  # bytes one request may load (see LOAD_LIMIT)
