"""The always-on core of a scoped target: the version matrix, the error rules, how to verify, and where
every other rule is (the files attached to what you edit, the skill, `bp-rules rules show`, the rule pages).
Kept small: it rides along with every request."""

from __future__ import annotations

from bp_rules.agents import markdown as md
from bp_rules.agents.content import Selection
from bp_rules.links import pages_base
from bp_rules.schema.models import Severity

CORE_NAME = "fastapi-core"


def on_demand(sel: Selection) -> str:
    """Where to read any rule in full; the rule pages only when the rules have published ones."""
    pages = sel.text("rule_pages", base=pages_base()) if sel.pages else ""
    return " ".join(p for p in (sel.text("on_demand"), pages) if p)


def core(sel: Selection, *, skill: bool = False) -> str:
    """The core text; `skill` when the target's agent also reads the exported skill."""
    parts = [f"# {sel.guides.get('title', 'Best practices')}", sel.text("core_intro")]
    if sel.matrix.packages:
        parts.append(f"Versions: {md.minimums_line(sel.matrix)}.")
    if sel.matrix.banned:
        parts.append(f"Do not add: {md.banned_line(sel.matrix)}.")
    parts.append(sel.text("verify_short"))
    errors = [r for r in sel.by_severity() if r.severity is Severity.error]
    if errors:
        lines = [f"- `{r.id}`: {md.one_line(r.summary)}" for r in errors]
        parts += [sel.text("core_must_know"), "\n".join(lines)]
    parts.append(on_demand(sel))
    if skill:
        parts.append(sel.text("skill_pointer"))
    return "\n\n".join(p for p in parts if p) + "\n"
