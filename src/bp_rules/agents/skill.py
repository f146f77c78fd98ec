"""The `fastapi-best-practices` Agent Skill: `SKILL.md` (name and description frontmatter, a short body) and
one reference file per category, loaded only when the skill is used.

Written to `.agents/skills/` (read by Cursor, GitHub Copilot and Codex); the Claude target writes the same
files to `.claude/skills/`. Only the name and description sit in the agent's context until the skill is
used, so the skill makes every rule reachable on demand at the cost of one description.
"""

from __future__ import annotations

from bp_rules.agents import frontmatter as fm
from bp_rules.agents import markdown as md
from bp_rules.agents.content import Selection
from bp_rules.agents.core import on_demand
from bp_rules.agents.target import Attach, Target
from bp_rules.agents.writer import with_provenance

NAME = "fastapi-best-practices"
ROOT = ".agents/skills"
NAME_LIMIT = 64  # the Agent Skills spec: name 1-64 chars, description 1-1,024 chars
DESCRIPTION_LIMIT = 1024


def description(sel: Selection) -> str:
    return md.one_line(sel.text("skill_description"))


def skill_md(sel: Selection) -> str:
    rows = []
    for category, title, rules in sel.by_category():
        ids = ", ".join(f"`{r.id}`" for r in rules)
        rows.append(f"- [{title}](references/{category}.md): {ids}")
    parts = [
        f"# {sel.guides.get('title', 'Best practices')}",
        sel.text("skill_body"),
        sel.text("verify_short"),
        "\n".join(rows),
        on_demand(sel),
    ]
    front = fm.dump({"name": NAME, "description": description(sel)})
    return with_provenance(front, "\n\n".join(p for p in parts if p))


def reference(sel: Selection, title: str, rules) -> str:
    sections = [md.rule_section(rule, 2, rationale=True) for rule in rules]
    return with_provenance("", "\n\n".join([f"# {title}", *sections]))


def files(sel: Selection, root: str = ROOT) -> dict[str, str]:
    if not sel.rules:
        return {}
    out = {f"{root}/{NAME}/SKILL.md": skill_md(sel)}
    for category, title, rules in sel.by_category():
        out[f"{root}/{NAME}/references/{category}.md"] = reference(sel, title, rules)
    return out


def owned(root: str) -> tuple[tuple[str, str], ...]:
    return ((f"{root}/{NAME}", "SKILL.md"), (f"{root}/{NAME}/references", "*.md"))


def attach(path: str, text: str) -> Attach:
    """Agents keep only a skill's name and description in context; the rest loads when it is used."""
    if path.endswith("/SKILL.md"):
        data = fm.load(text) or {}
        return Attach(always_bytes=len(f"{data.get('name', '')}: {data.get('description', '')}".encode()))
    return Attach()


def render(sel: Selection) -> dict[str, str]:
    return files(sel, ROOT)


TARGET = Target(
    name="skill",
    summary=f".agents/skills/{NAME}/: SKILL.md + references/<category>.md (Cursor, Copilot, Codex)",
    render=render,
    owned=owned(ROOT),
    attach=attach,
)
