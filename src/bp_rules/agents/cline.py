"""Cline: `.clinerules/*.md`; scoped rules carry `paths:` (a YAML list), whole-tree rules no frontmatter."""

from __future__ import annotations

from bp_rules.agents import frontmatter as fm
from bp_rules.agents import markdown as md
from bp_rules.agents.content import Group, Selection
from bp_rules.agents.target import Target

DIR = ".clinerules"
SUFFIX = ".md"


def header(group: Group) -> str:
    return "" if group.universal else fm.dump({"paths": list(group.globs)})


def render(sel: Selection) -> dict[str, str]:
    return md.rule_directory_files(sel.groups(), DIR, SUFFIX, header, None)


TARGET = Target(
    name="cline",
    summary=".clinerules/*.md with paths (owned files)",
    render=render,
    owned=((DIR, f"bp-*{SUFFIX}"),),
)
