"""Cursor: `.cursor/rules/fastapi-*.mdc`: an Always core, and one Auto Attached file per group of rules with
the globs of the files they are about; the structure rules are Agent Requested (a description, no globs).

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
from bp_rules.agents import scoped
from bp_rules.agents.content import GROUP_PREFIX, Group, Selection
from bp_rules.agents.target import LOAD_LIMIT, Attach, Budget, Target

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
        lines.append(f"globs: {','.join(globs)}".rstrip())
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


def header(group: Group) -> str:
    if group.on_demand is not None:  # agent requested: the description, no globs
        return frontmatter(md.one_line(group.on_demand), (), False)
    description = f"FastAPI best practices: {group.title} (bp-rules)"
    return frontmatter(description, group.globs, group.universal)


def attach(path: str, text: str) -> Attach:
    data = parse_frontmatter(text)
    if data.get("alwaysApply"):
        return Attach(always=True)
    return Attach(globs=tuple(data.get("globs", ())))  # type: ignore[arg-type]


SHAPE = scoped.Shape(
    DIR,
    SUFFIX,
    header,
    core_header=frontmatter("FastAPI best practices: the always-on core (bp-rules)", (), True),
    skill=True,
)


def render(sel: Selection) -> dict[str, str]:
    return scoped.render(sel, TARGET, SHAPE)


TARGET = Target(
    name="cursor",
    summary=".cursor/rules/fastapi-*.mdc: an always-on core, rules attached by file role (owned files)",
    render=render,
    owned=((DIR, f"{GROUP_PREFIX}*{SUFFIX}"), (DIR, f"bp-*{SUFFIX}")),
    budgets=(BUDGET,),
    requires=("skill",),
    attach=attach,
    load_limit=LOAD_LIMIT,
)
