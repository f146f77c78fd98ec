"""Cline: `.clinerules/fastapi-*.md`; the core and whole-tree rules have no frontmatter (always loaded),
the others carry `paths:` (a YAML list)."""

from __future__ import annotations

from bp_rules.agents import frontmatter as fm
from bp_rules.agents import scoped
from bp_rules.agents.content import GROUP_PREFIX, Group, Selection
from bp_rules.agents.target import LOAD_LIMIT, Attach, Target

DIR = ".clinerules"
SUFFIX = ".md"


def header(group: Group) -> str:
    return "" if group.universal else fm.dump({"paths": list(group.globs)})


def attach(path: str, text: str) -> Attach:
    paths = (fm.load(text) or {}).get("paths")
    return Attach(always=not paths, globs=tuple(paths or ()))


SHAPE = scoped.Shape(DIR, SUFFIX, header)


def render(sel: Selection) -> dict[str, str]:
    return scoped.render(sel, TARGET, SHAPE)


TARGET = Target(
    name="cline",
    summary=".clinerules/fastapi-*.md: an always-on core, rules attached by paths (owned files)",
    render=render,
    owned=((DIR, f"{GROUP_PREFIX}*{SUFFIX}"), (DIR, f"bp-*{SUFFIX}")),
    attach=attach,
    load_limit=LOAD_LIMIT,
)
