"""Cursor: `.cursor/rules/*.mdc`, one file per category (or per rule whose globs differ).

The frontmatter is written exactly as Cursor's own editor writes it: `description`, then `globs` as an
unquoted comma-separated list (Cursor takes quotes literally, so `"**/*.py"` would never match), then
`alwaysApply`. Rules for the whole tree are Always rules and have no `globs` line at all. This is not
valid YAML when a glob starts with `*`, so it cannot come from yaml.safe_dump: `frontmatter()` writes it and
`parse_frontmatter()` (a lenient line reader, like Cursor's) reads it back in the tests.
"""

from __future__ import annotations

import re

import yaml

from bp_rules.agents import markdown as md
from bp_rules.agents.content import Group, Selection
from bp_rules.agents.target import Budget, Target
from bp_rules.agents.writer import with_provenance

DIR = ".cursor/rules"
SUFFIX = ".mdc"
BUDGET = Budget(f"{DIR}/*{SUFFIX}", 500, "lines", "Cursor's docs: keep a rule under 500 lines")
_UNSAFE_GLOB = re.compile(r"[,\s]")


def _scalar(text: str) -> str:
    """A one-line YAML scalar: plain when YAML reads it back unchanged, double-quoted otherwise."""
    text = md.one_line(text)
    try:
        plain_ok = yaml.safe_load(f"k: {text}") == {"k": text}
    except yaml.YAMLError:
        plain_ok = False
    if plain_ok:
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def frontmatter(description: str, globs: list[str] | tuple[str, ...], always: bool) -> str:
    lines = ["---", f"description: {_scalar(description)}"]
    if not always:
        bad = [g for g in globs if _UNSAFE_GLOB.search(g)]
        if bad:
            raise ValueError(f"Cursor globs cannot contain commas or spaces: {bad}")
        lines.append(f"globs: {','.join(globs)}")
    lines.append(f"alwaysApply: {'true' if always else 'false'}")
    return "\n".join([*lines, "---"]) + "\n"


def parse_frontmatter(text: str) -> dict[str, object]:
    """Read `.mdc` frontmatter line by line, as Cursor does (not strict YAML)."""
    if not text.startswith("---\n"):
        return {}
    head = text[4:].split("\n---\n", 1)[0]
    out: dict[str, object] = {}
    for line in head.splitlines():
        key, _, value = line.partition(":")
        value = value.strip()
        if key == "globs":
            out[key] = [g for g in value.split(",") if g]
        elif key == "alwaysApply":
            out[key] = value == "true"
        elif value.startswith('"'):
            out[key] = yaml.safe_load(value)
        else:
            out[key] = value
    return out


def _wrap(group: Group, body: str) -> str:
    description = f"FastAPI best practices — {group.title} (bp-rules)"
    return with_provenance(frontmatter(description, group.globs, group.universal), body)


def render(sel: Selection) -> dict[str, str]:
    return md.scoped_files(
        sel.groups(),
        path_for=lambda name: f"{DIR}/{name}{SUFFIX}",
        wrap=_wrap,
        head=lambda group: f"# {group.title}",
        section=lambda rule: md.rule_section(rule, 2),
        budget=BUDGET,
    )


TARGET = Target(
    name="cursor",
    summary=".cursor/rules/*.mdc (owned files)",
    render=render,
    owned=((DIR, f"bp-*{SUFFIX}"),),
    budgets=(BUDGET,),
)
