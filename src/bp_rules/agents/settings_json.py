"""Merging bp-rules' entries into an agent's JSON settings file without touching anything else.

bp-rules owns a few places in files the user also edits (`.claude/settings.json`, `.mcp.json`, ...): a key
(`mcpServers.bp-rules`) or an entry in a list (the `PostToolUse` hook group that runs `bp-rules hook`).
Merging sets exactly those and keeps every other key, entry and the key order. A file already holding the
entries is returned unchanged, byte for byte, so export is idempotent and `--check` sees drift only in what
bp-rules owns. When something must change, the file is written back with its own indentation and final
newline; a file laid out the way `json.dumps` lays it out keeps every byte outside the owned entries.
A file that is not a plain JSON object (comments, trailing commas) is refused rather than rewritten.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MARKER = "bp-rules"


class SettingsError(ValueError):
    """The existing file cannot be merged safely; the message says why."""


@dataclass(frozen=True)
class Key:
    """`path` (a key path into nested objects) holds `value`; `only_if_missing` leaves a present value alone."""

    path: tuple[str, ...]
    value: Any
    only_if_missing: bool = False


@dataclass(frozen=True)
class Entry:
    """The list at `path` holds `value` once, in place of the entries `mine` recognises (appended if none)."""

    path: tuple[str, ...]
    value: Any
    mine: Callable[[Any], bool]


Owned = Key | Entry


def runs_command(fragment: str) -> Callable[[Any], bool]:
    """An entry is bp-rules' when its JSON text runs `fragment` (e.g. `bp-rules hook claude`)."""

    def mine(entry: Any) -> bool:
        return fragment in json.dumps(entry)

    return mine


def merge(existing: str | None, owned: list[Owned]) -> str:
    """`existing` with the owned entries set; a new file when `existing` is None."""
    if existing is None:
        data: dict = {}
    else:
        try:
            data = json.loads(existing)
        except ValueError as exc:
            raise SettingsError(
                f"is not plain JSON ({exc.msg} at line {exc.lineno}); merge the entry by hand"
            ) from None
        if not isinstance(data, dict):
            raise SettingsError("is not a JSON object; merge the entry by hand")
    merged = json.loads(json.dumps(data))  # a deep copy, to compare against
    for item in owned:
        _apply(merged, item)
    if existing is not None and merged == data:
        return existing
    indent = _indent(existing)
    text = json.dumps(merged, indent=indent, ensure_ascii=False)
    return text + ("\n" if existing is None or existing.endswith("\n") else "")


def _parent(data: dict, path: tuple[str, ...]) -> dict:
    node = data
    for key in path[:-1]:
        child = node.get(key)
        if child is None:
            child = node[key] = {}
        if not isinstance(child, dict):
            raise SettingsError(f"`{'.'.join(path[:-1])}` is not an object; merge the entry by hand")
        node = child
    return node


def _apply(data: dict, item: Owned) -> None:
    parent = _parent(data, item.path)
    key = item.path[-1]
    if isinstance(item, Key):
        if not (item.only_if_missing and key in parent):
            parent[key] = item.value
        return
    entries = parent.setdefault(key, [])
    if not isinstance(entries, list):
        raise SettingsError(f"`{'.'.join(item.path)}` is not a list; merge the entry by hand")
    positions = [i for i, entry in enumerate(entries) if item.mine(entry)]
    if not positions:
        entries.append(item.value)
        return
    entries[positions[0]] = item.value
    for i in reversed(positions[1:]):
        del entries[i]


_INDENT = re.compile(r"^[{\[]\s*\n([ \t]+)\S", re.MULTILINE)


def _indent(existing: str | None) -> int | str:
    match = _INDENT.search(existing or "")
    if match is None:
        return 2
    whitespace = match.group(1)
    return whitespace if "\t" in whitespace else len(whitespace)
