"""Merging bp-rules' table into an agent's TOML settings file (Codex's `.codex/config.toml`) without touching
anything else.

bp-rules owns whole tables there: `[mcp_servers.bp-rules]` and its sub-tables (`[mcp_servers.bp-rules.env]`).
Merging replaces the lines of exactly those tables, in place, or appends them at the end; every other byte
stays, comments included. A file already holding the intended values is returned unchanged, so export is
idempotent and `--check` sees drift only in what bp-rules owns. A file that does not parse, or that spells
the owned table another way (an inline table, dotted keys), is refused rather than rewritten; so is a merge
whose result would not parse back to the intended data.
"""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

from bp_rules.agents.settings_json import Key, Owned, SettingsError

_HEADER = re.compile(r"^[ \t]*\[(?!\[)(?P<key>[^\]\n]*)\][ \t]*(?:#.*)?$")
_ARRAY_HEADER = re.compile(r"^[ \t]*\[\[(?P<key>[^\]\n]*)\]\][ \t]*(?:#.*)?$")
_BARE = re.compile(r"[A-Za-z0-9_-]+")


def merge(existing: str | None, owned: list[Owned]) -> str:
    """`existing` with each owned table set; a new file when `existing` is None."""
    text = existing or ""
    try:
        before = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"not valid TOML ({exc}); bp-rules leaves it alone") from None
    for item in owned:
        if not isinstance(item, Key) or not isinstance(item.value, dict):
            raise SettingsError("only whole tables are merged into a TOML file")
        current = _get(before, item.path)
        if current == item.value or (item.only_if_missing and current is not None):
            continue
        text = _set_table(text, item.path, item.value, present=current is not None)
    if existing is not None and text == existing:
        return existing
    _verify(before, text, owned)
    return text


def _set_table(text: str, path: tuple[str, ...], value: dict, *, present: bool) -> str:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    owned_lines: list[int] = []
    first: int | None = None
    mine = False
    for i, line in enumerate(lines):
        header = _HEADER.match(line) or _ARRAY_HEADER.match(line)
        if header:
            key = _key(header.group("key"))
            mine = key is not None and key[: len(path)] == path and _HEADER.match(line) is not None
            if mine and first is None:
                first = i
        if mine:
            owned_lines.append(i)
    if present and first is None:
        raise SettingsError(
            f"[{'.'.join(path)}] is written as an inline table or dotted keys; bp-rules leaves it alone"
        )
    # blank lines and comments at the end of an owned table introduce what follows: they stay
    drop = set(owned_lines)
    for i in owned_lines:
        if i + 1 in drop:
            continue  # not the last line of a run of owned lines
        while i in drop and (not lines[i].strip() or lines[i].lstrip().startswith("#")):
            drop.discard(i)
            i -= 1
    block = _render(path, value)
    out = [line for i, line in enumerate(lines) if i not in drop]
    if first is None:
        separator = ["\n"] if out and out[-1].strip() else []
        return "".join([*out, *separator, *block])
    at = sum(1 for i in range(first) if i not in drop)
    return "".join([*out[:at], *block, *out[at:]])


def _key(spelled: str) -> tuple[str, ...] | None:
    """`mcp_servers."bp-rules"` -> ("mcp_servers", "bp-rules"); None for a spelling this reader does not know."""
    parts: list[str] = []
    rest = spelled.strip()
    while rest:
        if rest[0] in "\"'":
            end = rest.find(rest[0], 1)
            if end < 0:
                return None
            parts.append(rest[1:end])
            rest = rest[end + 1 :].lstrip()
        else:
            found = _BARE.match(rest)
            if found is None:
                return None
            parts.append(found.group())
            rest = rest[found.end() :].lstrip()
        if rest.startswith("."):
            rest = rest[1:].lstrip()
        elif rest:
            return None
    return tuple(parts)


def _render(path: tuple[str, ...], value: dict) -> list[str]:
    header = ".".join(p if _BARE.fullmatch(p) else json.dumps(p) for p in path)
    lines = [f"[{header}]\n"]
    tables = []
    for key, item in value.items():
        if isinstance(item, dict):
            tables.append((key, item))
        else:
            lines.append(f"{key if _BARE.fullmatch(key) else json.dumps(key)} = {_value(item)}\n")
    for key, item in tables:
        lines += ["\n", *_render((*path, key), item)]
    return lines


def _value(item: Any) -> str:
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int | float):
        return repr(item)
    if isinstance(item, str):
        return json.dumps(item)  # a JSON string is a TOML basic string
    if isinstance(item, list):
        return "[" + ", ".join(_value(v) for v in item) + "]"
    raise SettingsError(f"cannot write {type(item).__name__} values to TOML")


def _get(data: dict, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def _without(data: dict, path: tuple[str, ...]) -> dict:
    out = dict(data)
    if len(path) == 1:
        out.pop(path[0], None)
    elif isinstance(out.get(path[0]), dict):
        out[path[0]] = _without(out[path[0]], path[1:])
        if not out[path[0]]:
            del out[path[0]]
    return out


def _verify(before: dict, text: str, owned: list[Owned]) -> None:
    try:
        after = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"merging would make the file invalid TOML ({exc}); bp-rules leaves it alone") from None
    for item in owned:
        if not item.only_if_missing and _get(after, item.path) != item.value:
            raise SettingsError(f"could not set [{'.'.join(item.path)}]; bp-rules leaves the file alone")
    kept_before, kept_after = before, after
    for item in owned:
        kept_before, kept_after = _without(kept_before, item.path), _without(kept_after, item.path)
    if kept_before != kept_after:
        raise SettingsError("merging would change settings bp-rules does not own; bp-rules leaves the file alone")
