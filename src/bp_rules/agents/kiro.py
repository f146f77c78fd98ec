"""Kiro: `.kiro/steering/*.md` with `inclusion`.

Whole-tree rules are `inclusion: always`; scoped ones `inclusion: fileMatch` with `fileMatchPattern` (a
string for one glob, a list for several). Files are prefixed `bp-` so they never meet Kiro's own
`product.md`, `tech.md` and `structure.md`.
"""

from __future__ import annotations

from bp_rules.agents import frontmatter as fm
from bp_rules.agents import markdown as md
from bp_rules.agents.content import Group, Selection
from bp_rules.agents.target import Target

DIR = ".kiro/steering"
SUFFIX = ".md"


def header(group: Group) -> str:
    if group.universal:
        return fm.dump({"inclusion": "always"})
    pattern: str | list[str] = group.globs[0] if len(group.globs) == 1 else list(group.globs)
    return fm.dump({"inclusion": "fileMatch", "fileMatchPattern": pattern})


def render(sel: Selection) -> dict[str, str]:
    return md.rule_directory_files(sel.groups(), DIR, SUFFIX, header, None)


TARGET = Target(
    name="kiro",
    summary=".kiro/steering/*.md with inclusion (owned files)",
    render=render,
    owned=((DIR, f"bp-*{SUFFIX}"),),
)
