"""`AGENTS.md`: the hub every other target points at (Codex, Copilot, Cursor, Windsurf, Kiro, Junie, Claude).

Two layouts, both ordered by importance: purpose, version matrix, decision tables, how to verify and
suppress, the review checklist, the quick reference, scope notes, then each category's rules, most severe
first.

* `compact` (the default) fits Codex's 32 KiB read (`project_doc_max_bytes`): each rule is its id, severity,
  summary, how it is checked, and one code block of Don't/Do excerpts of its own examples (`excerpt.py`).
  The checklist names only the checked rules' Don't shapes, and the quick reference maps scenarios (from
  guides.yaml) to rule ids, so no summary appears twice. If the file is still over the budget, the
  excerpts of info rules go first (their one-line entries stay), and the file says so.
* `full` renders every rule in full (title, first Don't and Do examples, fix), with the quick reference
  and checklist as tables of every rule: for agents without that limit, e.g. Claude Code.
"""

from __future__ import annotations

import pathspec

from bp_rules.agents import markdown as md
from bp_rules.agents.content import Selection, is_universal
from bp_rules.agents.target import Budget, Target
from bp_rules.agents.writer import block
from bp_rules.links import pages_base
from bp_rules.schema.models import Rule, Severity

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


def _pages(sel: Selection) -> str:
    """Where each rule's page is, when the rules have published pages."""
    return sel.text("rule_pages", base=pages_base()) if sel.pages else ""


def document(sel: Selection) -> str:
    """The body of AGENTS.md (what goes between the managed-block markers), in the selection's detail."""
    return full_document(sel) if sel.detail == "full" else compact_document(sel)


def full_document(sel: Selection) -> str:
    """Every rule in full, with a quick-reference table and a checklist of every error and warning rule."""
    g = sel.guides
    parts = [f"# {g.get('title', 'Best practices')}", sel.text("purpose"), _pages(sel)]
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


# --- compact --------------------------------------------------------------------------------------------


def _compact_checklist(sel: Selection) -> str:
    """One line per rule that `bp-rules verify` does not check (it reports the checked ones itself): the
    shape of its first Don't example, then its id."""
    lines = []
    for rule in sel.by_severity():
        if not rule.checked:
            lines.append(f"- {md.dont_shapes(rule, 1)} → `{rule.id}`")
    return "\n".join(lines)


def _scenarios(sel: Selection) -> str:
    """Task → what to do, from guides.yaml; rows whose rules are all left out are dropped.
    A selection that no scenario covers (a pack of your own) gets its rule ids by category instead."""
    ids = {r.id for r in sel.rules}
    spec = sel.guides.get("quick_reference", {})
    rows = [(row["when"], row["use"]) for row in spec.get("rows", []) if ids & set(row.get("rules", []))]
    if rows:
        return md.table(spec["columns"], rows)
    rows = [(title, ", ".join(f"`{r.id}`" for r in rules)) for _, title, rules in sel.by_category()]
    return md.table(["Category", "Rules"], rows)


# Codex counts the whole file: leave room for the project's own text around the managed block.
ROOM_FOR_USER_TEXT = 2 * 1024


def _fits(body: str) -> bool:
    return BUDGET.measure(block(body)) <= BUDGET.limit - ROOM_FOR_USER_TEXT


def _drop_order(sel: Selection) -> list[Rule]:
    """Whose excerpt goes first when the file is over budget: info rules, then warnings, then errors;
    within a severity the last in the document first."""
    in_order = [rule for _, _, rules in sel.by_category() for rule in rules]
    return sorted(reversed(in_order), key=lambda r: r.severity.rank)


def _specific(rule: Rule) -> tuple[str, ...]:
    """The rule's globs when they are narrower than every Python file or the whole tree, else ()."""
    globs = tuple(rule.globs())
    return () if globs in GENERAL_GLOBS else globs


def _compact_scope(sel: Selection) -> str:
    notes = [sel.text("scope_intro_compact")]
    for sample in sel.guides.get("scope_samples", []):
        count = sum(1 for r in sel.rules if _applies(r.globs(), sample["path"]))
        notes.append(f"- {sample['name']} ({sample['pattern']}): {count} rules apply.")
    return "\n".join(notes)


def _rules(sel: Selection, entries: dict[str, str], dropped: set[str]) -> list[str]:
    """Each category's heading and entries; entries without an excerpt (one line each) form a tight list."""
    parts = []
    for _, title, rules in sel.by_category():
        parts.append(f"## {title}")
        for rule in rules:
            entry = entries[rule.id] if rule.id not in dropped else entries[f"-{rule.id}"]
            if rule.id in dropped and parts[-1].startswith("- "):
                parts[-1] += "\n" + entry
            else:
                parts.append(entry)
    return parts


def compact_document(sel: Selection) -> str:
    """Every rule in a few lines with one Don't/Do excerpt block, fitted to Codex's 32 KiB read."""
    g = sel.guides
    entries = {}
    for rule in sel.rules:
        entries[rule.id] = md.rule_compact(rule, files=_specific(rule))
        entries[f"-{rule.id}"] = md.rule_compact(rule, code=False, files=_specific(rule))
    head = [f"# {g.get('title', 'Best practices')}", sel.text("purpose_compact"), _pages(sel)]
    parts = []
    if sel.matrix.packages:
        parts += ["## Version matrix", sel.text("matrix_intro_compact"), md.matrix_table_compact(sel.matrix)]
    if sel.matrix.banned:
        parts += [sel.text("banned_intro"), md.banned_table_compact(sel.matrix)]
    decisions = _decisions(sel)
    if decisions:
        parts += ["## Decisions", *decisions]
    parts += ["## Verify and suppress", sel.text("verify_compact"), sel.text("suppress_compact")]
    checklist = _compact_checklist(sel)
    if checklist:
        parts += ["## Review checklist", sel.text("checklist_intro_compact"), checklist]
    if sel.rules:
        parts += ["## Quick reference", sel.text("quick_reference_intro_compact"), _scenarios(sel)]
        parts += ["## Scope", _compact_scope(sel)]
    tail = []
    if sel.opt_in:
        listed = ", ".join(f"`{r.id}`" for r in sel.opt_in)
        tail += ["## Opt-in rules", f"{sel.text('opt_in_intro_compact')} {listed}."]

    def assemble(dropped: list[Rule]) -> str:
        note = []
        if dropped:
            severities = sorted({r.severity for r in dropped}, key=lambda s: -s.rank)
            note = [sel.text("excerpts_dropped", dropped=len(dropped), severities=", ".join(severities))]
        rules = _rules(sel, entries, {r.id for r in dropped})
        return "\n\n".join(p for p in [*head, *note, *parts, *rules, *tail] if p) + "\n"

    dropped: list[Rule] = []
    body = assemble(dropped)
    for rule in _drop_order(sel):
        if _fits(body):
            break
        dropped.append(rule)
        body = assemble(dropped)
    return body


def render(sel: Selection) -> dict[str, str]:
    return {PATH: document(sel)}


TARGET = Target(
    name="agents",
    summary="AGENTS.md, the hub (managed block)",
    render=render,
    managed=frozenset({PATH}),
    budgets=(BUDGET,),
)
