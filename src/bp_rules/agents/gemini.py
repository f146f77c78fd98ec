"""Gemini CLI: `GEMINI.md` with a managed block that imports `@AGENTS.md`.

Why not `.gemini/settings.json` with `context.fileName: AGENTS.md`? That file is JSON the user owns (MCP
servers, themes, auth): it has no place for markers or a provenance header, rewriting it would reformat the
user's keys and drop any comments, and listing only AGENTS.md would silently stop an existing GEMINI.md
from loading. Gemini CLI expands `@path` imports in GEMINI.md, so a managed block holding `@AGENTS.md`
gives the same single source of truth with the never-clobber guarantees of every other single file.
"""

from __future__ import annotations

from bp_rules.agents.agents_md import PATH as AGENTS_PATH
from bp_rules.agents.content import Selection
from bp_rules.agents.target import Target

PATH = "GEMINI.md"


def render(sel: Selection) -> dict[str, str]:
    return {PATH: f"@{AGENTS_PATH}\n\n{sel.text('gemini_note')}\n"}


TARGET = Target(
    name="gemini",
    summary="GEMINI.md importing @AGENTS.md (managed block)",
    render=render,
    managed=frozenset({PATH}),
    requires=("agents",),
)
