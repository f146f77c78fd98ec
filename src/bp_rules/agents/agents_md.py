"""`AGENTS.md`: the hub every other target points at (Codex, Copilot, Cursor, Windsurf, Kiro, Junie, Claude).

Order is by importance so that what matters most sits inside Codex's 32 KiB read: purpose, version
matrix, decision tables, how to verify and suppress, the quick reference and review checklist (every rule,
compactly), scope notes, then each category's rules in full (most severe first).
"""

from __future__ import annotations

import pathspec

from bp_rules.agents import markdown as md
from bp_rules.agents.content import Selection, is_universal
from bp_rules.agents.target import Budget, Target
from bp_rules.schema.models import Severity

PATH = "AGENTS.md"
GENERAL_GLOBS = (("**",), ("**/*",), ("**/*.py",))
BUDGET = Budget(PATH, 32 * 1024, "bytes", "Codex reads at most 32 KiB of AGENTS.md (project_doc_max_bytes)")


def _decisions(sel: Selection) -> list[str]:
    ids = {r.id for r in sel.rules}
    out = []
    for decision in sel.guides.get("decisions", []):
        if not any(r in ids for row in decision["rows"] for r in row.get("rules", [])):
            continue  # none of its rules is exported
        rows = []
        for row in decision["rows"]:
            rules = ", ".join(f"`{r}`" for r in row.get("rules", []) if r in ids)
            rows.append((row["when"], row["use"], rules or "—"))
        out.append(f"### {decision['title']}\n\n{md.table(decision['columns'], rows)}")
    return out


def _quick_reference(sel: Selection) -> str:
    rows = []
    for _, _, rules in sel.by_category():
        for rule in rules:
            rows.append((f"`{rule.id}`", rule.severity.value, md.one_line(rule.title), md.checked_short(rule)))
    return md.table(["Rule", "Severity", "What", "Checked"], rows)


def _checklist(sel: Selection) -> str:
    lines = []
    for rule in sel.by_severity():
        if rule.severity is Severity.info:
            continue
        lines.append(f"- [ ] {md.dont_shapes(rule)} → `{rule.id}` ({rule.severity.value})")
    return "\n".join(lines)


def _scope_notes(sel: Selection) -> str:
    groups: dict[tuple[str, ...], list[str]] = {}
    for rule in sel.rules:
        groups.setdefault(tuple(rule.globs()), []).append(rule.id)
    rows = []
    for globs, ids in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        shown = ", ".join(f"`{g}`" for g in globs)
        listed = ", ".join(f"`{i}`" for i in sorted(ids)) if len(ids) <= 8 else f"{len(ids)} rules"
        rows.append((shown, listed))
    parts = [sel.text("scope_intro"), md.table(["Files", "Rules"], rows)]
    notes = []
    for sample in sel.guides.get("scope_samples", []):
        matching = [r for r in sel.rules if _applies(r.globs(), sample["path"])]
        specific = sorted(r.id for r in matching if tuple(r.globs()) not in GENERAL_GLOBS)
        extra = f"; written for these files: {', '.join(f'`{i}`' for i in specific)}" if specific else ""
        notes.append(f"- {sample['name']} ({sample['pattern']}): {len(matching)} rules apply{extra}.")
    if notes:
        parts.append("\n".join(notes))
    return "\n\n".join(parts)


def _applies(globs: list[str], path: str) -> bool:
    if is_universal(globs):
        return True
    return pathspec.PathSpec.from_lines("gitignore", globs).match_file(path)


def document(sel: Selection) -> str:
    """The body of AGENTS.md (what goes between the managed-block markers)."""
    g = sel.guides
    parts = [f"# {g.get('title', 'Best practices')}", sel.text("purpose")]
    if sel.matrix.packages:
        parts += ["## Version matrix", sel.text("matrix_intro"), md.matrix_table(sel.matrix)]
    if sel.matrix.banned:
        parts += [sel.text("banned_intro"), md.banned_table(sel.matrix)]
    decisions = _decisions(sel)
    if decisions:
        parts += ["## Decisions", *decisions]
    parts += ["## Verify and suppress", sel.text("verify"), sel.text("suppress")]
    checklist = _checklist(sel)
    if checklist:
        parts += ["## Review checklist", sel.text("checklist_intro"), checklist]
    if sel.rules:
        parts += ["## Quick reference", sel.text("quick_reference_intro"), _quick_reference(sel)]
        parts += ["## Scope", _scope_notes(sel)]
    for _, title, rules in sel.by_category():
        parts.append(f"## {title}")
        parts += [md.rule_section(rule, 3) for rule in rules]
    if sel.opt_in:
        lines = [f"- `{r.id}` ({r.severity.value}): {md.one_line(r.summary)}" for r in sel.opt_in]
        parts += ["## Opt-in rules", sel.text("opt_in_intro"), "\n".join(lines)]
    return "\n\n".join(p for p in parts if p) + "\n"


def render(sel: Selection) -> dict[str, str]:
    return {PATH: document(sel)}


TARGET = Target(
    name="agents",
    summary="AGENTS.md, the hub (managed block)",
    render=render,
    managed=frozenset({PATH}),
    budgets=(BUDGET,),
)
