"""What an agent loads into one request that edits a given file: its always-on files, the files attached to
that path by the agent's own scoping, the files those import (`@AGENTS.md`), and what on-demand files cost
anyway (a skill's description). Measured on rendered exports, as bytes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

import pathspec

from bp_rules.agents.frontmatter import split
from bp_rules.agents.target import Attach, Target
from bp_rules.agents.writer import block

_IMPORT = re.compile(r"^@(\S+)\s*$", re.MULTILINE)


@cache
def _spec(globs: tuple[str, ...]) -> pathspec.PathSpec:
    return pathspec.PathSpec.from_lines("gitignore", globs)


def matches(globs: Iterable[str], path: str) -> bool:
    globs = tuple(globs)
    return bool(globs) and _spec(globs).match_file(path)


def size(target: Target, path: str, text: str) -> int:
    """The bytes of the file as written (a managed block with its markers)."""
    return len((block(text) if path in target.managed else text).encode("utf-8"))


_ATTACH: dict[tuple[str, str, str], Attach] = {}  # fitting asks about the same frontmatter many times


def attachment(target: Target, path: str, text: str) -> Attach:
    if target.attach is None:
        return Attach(always=True)
    head, _ = split(text)
    if head is None:
        return target.attach(path, text)
    key = (target.name, path, head)
    if key not in _ATTACH:
        _ATTACH[key] = target.attach(path, text)
    return _ATTACH[key]


def loaded(target: Target, files: dict[str, str], edited: str) -> dict[str, int]:
    """{file: bytes it adds} for one request editing `edited`."""
    out: dict[str, int] = {}
    pending = []
    for path, text in sorted(files.items()):
        attach = attachment(target, path, text)
        if attach.always or matches(attach.globs, edited):
            pending.append(path)
        elif attach.always_bytes:
            out[path] = attach.always_bytes
    while pending:
        path = pending.pop()
        if path in out and out[path] == size(target, path, files[path]):
            continue
        out[path] = size(target, path, files[path])
        pending += [p for p in _IMPORT.findall(files[path]) if p in files and p not in out]
    return out


def total(target: Target, files: dict[str, str], edited: str) -> int:
    return sum(loaded(target, files, edited).values())
