"""JetBrains Junie: `.junie/AGENTS.md` (managed block) with the same content as AGENTS.md.

Junie reads the first of `.junie/AGENTS.md`, the root `AGENTS.md`, and the legacy `.junie/guidelines.md`.
Writing the legacy file would do nothing while a root AGENTS.md exists; `.junie/AGENTS.md` is the current
file and wins over the root one, so a project that already keeps Junie-specific notes there still gets the
rules. Junie has no import syntax, so the block repeats the AGENTS.md content.
"""

from __future__ import annotations

from bp_rules.agents.agents_md import document
from bp_rules.agents.content import Selection
from bp_rules.agents.target import Target

PATH = ".junie/AGENTS.md"


def render(sel: Selection) -> dict[str, str]:
    return {PATH: document(sel)}


TARGET = Target(
    name="junie",
    summary=".junie/AGENTS.md (managed block)",
    render=render,
    managed=frozenset({PATH}),
)
