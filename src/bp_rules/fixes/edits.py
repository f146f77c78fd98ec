"""Text edits: what a fix changes, as ranges and replacements, and how to apply them.

An edit's range is 1-based, end exclusive, like a finding's (line, col, end_line, end_col); columns count
characters. Edits are derived from the text before and after a rewrite, so a fix is reported exactly as
applied, whatever produced it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

K = TypeVar("K")


@dataclass(frozen=True, slots=True, order=True)
class Edit:
    line: int
    col: int
    end_line: int
    end_col: int
    content: str

    def to_json(self) -> dict:
        return {
            "line": self.line,
            "col": self.col,
            "end_line": self.end_line,
            "end_col": self.end_col,
            "content": self.content,
        }

    def overlaps(self, other: Edit) -> bool:
        """Two edits touch the same text (an insertion at the other's boundary counts as overlapping)."""
        return (self.line, self.col) <= (other.end_line, other.end_col) and (other.line, other.col) <= (
            self.end_line,
            self.end_col,
        )


def edits_between(before: str, after: str) -> list[Edit]:
    """The smallest line-then-character edits turning `before` into `after`."""
    old = before.splitlines(keepends=True)
    new = after.splitlines(keepends=True)
    out = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        removed, added = "".join(old[i1:i2]), "".join(new[j1:j2])
        prefix = _common_prefix(removed, added)
        suffix = _common_prefix(removed[prefix:][::-1], added[prefix:][::-1])
        start = _position(old, i1, removed[:prefix])
        end = _position(old, i1, removed[: len(removed) - suffix])
        out.append(Edit(*start, *end, added[prefix : len(added) - suffix]))
    return out


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _position(lines: list[str], first: int, consumed: str) -> tuple[int, int]:
    """The 1-based (line, col) reached after `consumed`, which starts at line index `first`."""
    newlines = consumed.count("\n")
    col = len(consumed) - consumed.rfind("\n") if newlines else len(consumed) + 1
    return first + 1 + newlines, col


def _offsets(text: str) -> list[int]:
    starts = [0]
    for i, char in enumerate(text):
        if char == "\n":
            starts.append(i + 1)
    return starts


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits (as chosen by `compatible`) to `text`."""
    starts = _offsets(text)

    def offset(line: int, col: int) -> int:
        return starts[line - 1] + col - 1 if line <= len(starts) else len(text)

    out = text
    for edit in sorted(edits, reverse=True):
        out = out[: offset(edit.line, edit.col)] + edit.content + out[offset(edit.end_line, edit.end_col) :]
    return out


def compatible(fixes: Iterable[tuple[K, tuple[Edit, ...]]]) -> tuple[list[K], set[Edit]]:
    """The fixes that can be applied together, in order, and their distinct edits.

    A fix is taken whole or not at all; an edit identical to one already taken (two fixes adding the same
    import) is shared, any other overlap leaves the later fix for the next pass.
    """
    taken: list[K] = []
    chosen: set[Edit] = set()
    for key, group in fixes:
        new = [e for e in group if e not in chosen]
        if any(e.overlaps(c) for e in new for c in chosen):
            continue
        taken.append(key)
        chosen.update(new)
    return taken, chosen


def shift_lines(lines: set[int], edits: Iterable[Edit]) -> set[int]:
    """Where `lines` of `text` are after applying `edits`; every line an edit writes counts as touched."""
    out = set()
    ordered = sorted(edits)
    for line in lines:
        delta = 0
        for edit in ordered:
            added = edit.content.count("\n") - (edit.end_line - edit.line)
            if edit.end_line < line:
                delta += added
            elif edit.line <= line:
                out.update(range(edit.line + delta, edit.line + delta + edit.content.count("\n") + 1))
                line = None
                break
        if line is not None:
            out.add(line + delta)
    return out
