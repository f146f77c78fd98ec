"""Merging bp-rules' entries into an agent's JSON settings file without touching anything else.

bp-rules owns a few places in files the user also edits (`.claude/settings.json`, `.mcp.json`, ...): a key
(`mcpServers.bp-rules`) or an entry in a list (the `PostToolUse` hook group that runs `bp-rules hook`).
Merging sets exactly those and keeps every other key, entry and the key order. A file already holding the
entries is returned unchanged, byte for byte, so export is idempotent and `--check` sees drift only in what
bp-rules owns. Otherwise each owned entry is spliced into the text, laid out like its siblings, so every
other byte stays; should the result not parse back to the intended data, the file is written whole with its
own indentation and final newline instead. A file that is not a plain JSON object (comments, trailing
commas) is refused rather than rewritten.
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
    if existing is not None:
        try:
            text = existing
            for item in owned:
                text = _splice(text, item, indent)
            if json.loads(text) == merged:
                return text
        except (ValueError, IndexError, AssertionError):
            pass  # an unusual layout: written back whole below
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


# --- keeping the user's bytes: edits spliced into the text ---------------------------------------------


@dataclass
class _Node:
    """A JSON value in the text: its span, and for objects and arrays their members' spans."""

    start: int
    end: int
    members: dict[str, _Node] | None = None  # objects
    items: list[_Node] | None = None  # arrays


_WS = " \t\r\n"


def _scan(text: str, i: int = 0) -> tuple[_Node, int]:
    """Parse the value at `i` (whitespace first); return it and the index after it. The text is valid JSON."""
    while text[i] in _WS:
        i += 1
    start = i
    if text[i] == "{":
        members: dict[str, _Node] = {}
        i += 1
        while True:
            while text[i] in _WS or text[i] == ",":
                i += 1
            if text[i] == "}":
                return _Node(start, i + 1, members=members), i + 1
            key_end = _string_end(text, i)
            key = json.loads(text[i:key_end])
            i = text.index(":", key_end) + 1
            value, i = _scan(text, i)
            members[key] = value
    if text[i] == "[":
        items: list[_Node] = []
        i += 1
        while True:
            while text[i] in _WS or text[i] == ",":
                i += 1
            if text[i] == "]":
                return _Node(start, i + 1, items=items), i + 1
            value, i = _scan(text, i)
            items.append(value)
    if text[i] == '"':
        end = _string_end(text, i)
        return _Node(start, end), end
    end = i
    while end < len(text) and text[end] not in _WS + ",]}":
        end += 1
    return _Node(start, end), end


def _string_end(text: str, i: int) -> int:
    i += 1
    while text[i] != '"':
        i += 2 if text[i] == "\\" else 1
    return i + 1


def _line_indent(text: str, at: int) -> str:
    line_start = text.rfind("\n", 0, at) + 1
    prefix = text[line_start:at]
    return prefix[: len(prefix) - len(prefix.lstrip(" \t"))]


def _render(value: Any, indent: str, unit: int | str, inline: bool = False) -> str:
    """`value` as JSON on one line (`inline`), or laid out with continuation lines starting at `indent`."""
    if inline:
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value, indent=unit, ensure_ascii=False).replace("\n", "\n" + indent)


def _inline(text: str, node: _Node) -> bool:
    return "\n" not in text[node.start : node.end]


def _insert(text: str, container: _Node, children: list[_Node], piece: Any, unit: int | str, key: str | None) -> str:
    """Add a member (`key` given) or an item after the container's last one, laid out like its siblings."""
    close = container.end - 1
    head = f"{json.dumps(key, ensure_ascii=False)}: " if key is not None else ""
    if children:
        last = children[-1]
        gap = text[container.start + 1 : _first_start(text, container)]
        if "\n" in gap:
            indent = _line_indent(text, last.start)
            return text[: last.end] + ",\n" + indent + head + _render(piece, indent, unit) + text[last.end :]
        return text[: last.end] + ", " + head + json.dumps(piece, ensure_ascii=False) + text[last.end :]
    if _inline(text, _scan(text)[0]):  # a one-line file stays on one line
        return text[:close].rstrip(_WS) + head + json.dumps(piece, ensure_ascii=False) + text[close:]
    outer = _line_indent(text, container.start)
    step = unit if isinstance(unit, str) else " " * unit
    indent = outer + step
    return text[:close].rstrip(_WS) + "\n" + indent + head + _render(piece, indent, unit) + "\n" + outer + text[close:]


def _first_start(text: str, container: _Node) -> int:
    """Where the container's first member (an object's first key) begins."""
    i = container.start + 1
    while text[i] in _WS:
        i += 1
    return i


def _splice(text: str, item: Owned, unit: int | str) -> str:
    root, _ = _scan(text)
    node = root
    for depth, key in enumerate(item.path):
        assert node.members is not None
        child = node.members.get(key)
        if child is None:
            rest: Any = item.value if isinstance(item, Key) else [item.value]
            for inner in reversed(item.path[depth + 1 :]):
                rest = {inner: rest}
            children = list(node.members.values())
            return _insert(text, node, children, rest, unit, key)
        if depth < len(item.path) - 1:
            node = child
            continue
        if isinstance(item, Key):
            if item.only_if_missing:
                return text
            rendered = _render(item.value, _line_indent(text, child.start), unit, _inline(text, node))
            return text[: child.start] + rendered + text[child.end :]
        assert child.items is not None
        mine = [n for n in child.items if item.mine(json.loads(text[n.start : n.end]))]
        if not mine:
            return _insert(text, child, child.items, item.value, unit, None)
        first = mine[0]
        for extra in reversed(mine[1:]):
            previous = child.items[child.items.index(extra) - 1]
            text = text[: previous.end] + text[extra.end :]
        rendered = _render(item.value, _line_indent(text, first.start), unit, _inline(text, child))
        return text[: first.start] + rendered + text[first.end :]
    return text
