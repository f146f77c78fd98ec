"""Cline: `.clinerules/*.md`; scoped rules carry `paths:` (a YAML list), whole-tree rules no frontmatter."""

from __future__ import annotations

from bp_rules.agents import frontmatter as fm
from bp_rules.agents import markdown as md
from bp_rules.agents.content import Group, Selection
from bp_rules.agents.target import Target
from bp_rules.agents.writer import with_provenance

DIR = ".clinerules"
SUFFIX = ".md"


def header(group: Group) -> str:
    return "" if group.universal else fm.dump({"paths": list(group.globs)})


def render(sel: Selection) -> dict[str, str]:
    return md.scoped_files(
        sel.groups(),
        path_for=lambda name: f"{DIR}/{name}{SUFFIX}",
        wrap=lambda group, body: with_provenance(header(group), body),
        head=lambda group: f"# {group.title}",
        section=lambda rule: md.rule_section(rule, 2),
        budget=None,
    )


TARGET = Target(
    name="cline",
    summary=".clinerules/*.md with paths (owned files)",
    render=render,
    owned=((DIR, f"bp-*{SUFFIX}"),),
)
