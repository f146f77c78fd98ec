"""YAML frontmatter through a real serializer (PyYAML), plus the lenient reader used to check it.

Targets whose agents read standard YAML (Copilot, Claude, Windsurf, Cline, Kiro) go through `dump()`.
Cursor needs a form YAML cannot express (unquoted globs starting with `*`); `cursor.py` has its own.
"""

from __future__ import annotations

from typing import Any

import yaml


class _IndentedDumper(yaml.SafeDumper):
    """Indents block sequences under their key (`paths:\\n  - a`), as the agents' docs show them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def dump(data: dict[str, Any]) -> str:
    """A `---` fenced frontmatter block; keys keep their order, strings are never folded."""
    if not data:
        return ""
    body = yaml.dump(
        data,
        Dumper=_IndentedDumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=1_000_000,
    )
    return f"---\n{body}---\n"


def split(text: str) -> tuple[str | None, str]:
    """(frontmatter text without fences, body); frontmatter is None when the file has none."""
    if not text.startswith("---\n"):
        return None, text
    end = text.find("\n---\n", 3)
    if end == -1:
        return None, text
    return text[4 : end + 1], text[end + 5 :]


def load(text: str) -> dict[str, Any] | None:
    """Parse a file's YAML frontmatter strictly (what a standard YAML reader sees)."""
    raw, _ = split(text)
    if raw is None:
        return None
    return yaml.safe_load(raw) or {}
