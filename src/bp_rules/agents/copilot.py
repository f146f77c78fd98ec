"""GitHub Copilot: `.github/copilot-instructions.md` and `.github/instructions/<name>.instructions.md`.

The repository-wide file is short (managed block, no frontmatter): the version matrix, the error rules and
how to verify, because Copilot code review reads only the first 4,000 characters of an instruction file.
Path-specific files carry `applyTo` (globs joined by commas, no spaces) and must end in `.instructions.md`
or Copilot ignores them. They hold reminders rather than code (the code is in AGENTS.md), split so that
each stays under 4,000 characters.
"""

from __future__ import annotations

from bp_rules.agents import frontmatter as fm
from bp_rules.agents import markdown as md
from bp_rules.agents.content import Group, Selection
from bp_rules.agents.target import Budget, Target
from bp_rules.agents.writer import with_provenance
from bp_rules.schema.models import Severity

REPO_FILE = ".github/copilot-instructions.md"
DIR = ".github/instructions"
SUFFIX = ".instructions.md"
WHY = "Copilot code review reads only the first 4,000 characters of an instruction file"
BUDGETS = (Budget(REPO_FILE, 4000, "chars", WHY), Budget(f"{DIR}/*{SUFFIX}", 4000, "chars", WHY))


def apply_to(globs: tuple[str, ...] | list[str]) -> str:
    """Copilot's `applyTo`: globs joined by commas, no spaces; `**` for the whole tree."""
    return ",".join(g.strip() for g in globs)


def header(group: Group) -> str:
    return fm.dump(
        {
            "applyTo": "**" if group.universal else apply_to(group.globs),
            "description": f"FastAPI best practices — {group.title} (bp-rules)",
        }
    )


def repository_instructions(sel: Selection) -> str:
    parts = [f"# {sel.guides.get('title', 'Best practices')}", sel.text("copilot_intro")]
    if sel.matrix.packages:
        parts.append(f"Versions: {md.matrix_line(sel.matrix)}.")
    if sel.matrix.banned:
        parts.append(f"Do not add: {md.banned_line(sel.matrix)}.")
    parts.append(sel.text("verify_short"))
    errors = [r for r in sel.by_severity() if r.severity is Severity.error]
    if errors:
        lines = [f"- `{r.id}`: {md.one_line(r.summary)}" for r in errors]
        parts += [sel.text("copilot_must_know"), "\n".join(lines)]
    return "\n\n".join(p for p in parts if p) + "\n"


def render(sel: Selection) -> dict[str, str]:
    files = md.scoped_files(
        sel.groups(),
        path_for=lambda name: f"{DIR}/{name}{SUFFIX}",
        wrap=lambda group, body: with_provenance(header(group), body),
        head=lambda group: f"# {group.title}\n\n{sel.text('scoped_file_intro', files=apply_to(group.globs))}",
        section=md.rule_reminder,
        budget=BUDGETS[1],
    )
    return {REPO_FILE: repository_instructions(sel), **files}


TARGET = Target(
    name="copilot",
    summary=".github/copilot-instructions.md (managed block) + .github/instructions/*.instructions.md",
    render=render,
    managed=frozenset({REPO_FILE}),
    owned=((DIR, f"bp-*{SUFFIX}"),),
    budgets=BUDGETS,
)
