"""Kiro: `.kiro/steering/fastapi-*.md` with `inclusion`.

The core is `inclusion: always`; rule groups are `inclusion: fileMatch` with `fileMatchPattern` (a string
for one glob, a list for several); the structure rules are `inclusion: auto` with a `name` and a
`description` (Kiro includes them when the request fits). The `fastapi-` prefix keeps them apart from Kiro's
own `product.md`, `tech.md` and `structure.md`.
"""

from __future__ import annotations

from bp_rules.agents import frontmatter as fm
from bp_rules.agents import scoped
from bp_rules.agents.content import GROUP_PREFIX, Group, Selection
from bp_rules.agents.target import LOAD_LIMIT, Attach, Target

DIR = ".kiro/steering"
SUFFIX = ".md"


def header(group: Group) -> str:
    if group.on_demand is not None:
        description = " ".join(group.on_demand.split())
        return fm.dump({"inclusion": "auto", "name": group.name, "description": description})
    if group.universal:
        return fm.dump({"inclusion": "always"})
    pattern: str | list[str] = group.globs[0] if len(group.globs) == 1 else list(group.globs)
    return fm.dump({"inclusion": "fileMatch", "fileMatchPattern": pattern})


def attach(path: str, text: str) -> Attach:
    data = fm.load(text) or {}
    if data.get("inclusion") == "always":
        return Attach(always=True)
    if data.get("inclusion") == "fileMatch":
        pattern = data.get("fileMatchPattern", ())
        return Attach(globs=(pattern,) if isinstance(pattern, str) else tuple(pattern))
    return Attach()


SHAPE = scoped.Shape(DIR, SUFFIX, header, core_header=fm.dump({"inclusion": "always"}))


def render(sel: Selection) -> dict[str, str]:
    return scoped.render(sel, TARGET, SHAPE)


TARGET = Target(
    name="kiro",
    summary=".kiro/steering/fastapi-*.md with inclusion: an always-on core, rules by fileMatch (owned files)",
    render=render,
    owned=((DIR, f"{GROUP_PREFIX}*{SUFFIX}"), (DIR, f"bp-*{SUFFIX}")),
    attach=attach,
    load_limit=LOAD_LIMIT,
)
