"""Windsurf (Devin Desktop): `.windsurf/rules/*.md` with `trigger`.

Whole-tree rules are `trigger: always_on`; scoped rules are `trigger: glob` with `globs` (one string, globs
joined by commas) and a `description`. Windsurf truncates a workspace rule file past 12,000 characters, so a
category that would exceed it is split into numbered files, most severe rules first.
"""

from __future__ import annotations

from bp_rules.agents import frontmatter as fm
from bp_rules.agents import markdown as md
from bp_rules.agents.content import Group, Selection
from bp_rules.agents.target import Budget, Target

DIR = ".windsurf/rules"
SUFFIX = ".md"
BUDGET = Budget(f"{DIR}/*{SUFFIX}", 12_000, "chars", "Windsurf truncates a workspace rule file past 12,000 chars")


def header(group: Group) -> str:
    description = f"FastAPI best practices — {group.title} (bp-rules)"
    if group.universal:
        return fm.dump({"trigger": "always_on", "description": description})
    return fm.dump({"trigger": "glob", "description": description, "globs": ",".join(group.globs)})


def render(sel: Selection) -> dict[str, str]:
    return md.rule_directory_files(sel.groups(), DIR, SUFFIX, header, BUDGET)


TARGET = Target(
    name="windsurf",
    summary=".windsurf/rules/*.md with trigger (owned files)",
    render=render,
    owned=((DIR, f"bp-*{SUFFIX}"),),
    budgets=(BUDGET,),
)
