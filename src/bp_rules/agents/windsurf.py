"""Windsurf (Devin Desktop): `.windsurf/rules/fastapi-*.md` with `trigger`.

The core is `trigger: always_on`; rule groups are `trigger: glob` with `globs` (one string, globs joined by
commas) and a `description`; the structure rules are `trigger: model_decision` (Cascade reads them when the
description fits the task). Windsurf truncates a workspace rule file past 12,000 characters.
"""

from __future__ import annotations

from bp_rules.agents import frontmatter as fm
from bp_rules.agents import scoped
from bp_rules.agents.content import GROUP_PREFIX, Group, Selection
from bp_rules.agents.target import LOAD_LIMIT, Attach, Budget, Target

DIR = ".windsurf/rules"
SUFFIX = ".md"
BUDGET = Budget(f"{DIR}/*{SUFFIX}", 12_000, "chars", "Windsurf truncates a workspace rule file past 12,000 chars")


def header(group: Group) -> str:
    if group.on_demand is not None:
        return fm.dump({"trigger": "model_decision", "description": " ".join(group.on_demand.split())})
    description = f"FastAPI best practices: {group.title} (bp-rules)"
    if group.universal:
        return fm.dump({"trigger": "always_on", "description": description})
    return fm.dump({"trigger": "glob", "description": description, "globs": ",".join(group.globs)})


def attach(path: str, text: str) -> Attach:
    data = fm.load(text) or {}
    if data.get("trigger") == "always_on":
        return Attach(always=True)
    if data.get("trigger") == "glob":
        return Attach(globs=tuple(g for g in str(data.get("globs", "")).split(",") if g))
    return Attach()


CORE = fm.dump({"trigger": "always_on", "description": "FastAPI best practices: the always-on core (bp-rules)"})
SHAPE = scoped.Shape(DIR, SUFFIX, header, core_header=CORE)


def render(sel: Selection) -> dict[str, str]:
    return scoped.render(sel, TARGET, SHAPE)


TARGET = Target(
    name="windsurf",
    summary=".windsurf/rules/fastapi-*.md with trigger: an always-on core, rules by glob (owned files)",
    render=render,
    owned=((DIR, f"{GROUP_PREFIX}*{SUFFIX}"), (DIR, f"bp-*{SUFFIX}")),
    budgets=(BUDGET,),
    attach=attach,
    load_limit=LOAD_LIMIT,
)
