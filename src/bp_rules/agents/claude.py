"""Claude Code: `CLAUDE.md` importing `@AGENTS.md`, plus `.claude/rules/*.md` reminders with `paths:`.

Claude Code reads AGENTS.md only when no CLAUDE.md (or CLAUDE.local.md) exists, so CLAUDE.md imports it
explicitly instead of copying it. Scoped rules (any glob set other than the whole tree) also get short
reminders in `.claude/rules/`, which Claude loads when it opens a matching file; `paths` is a YAML list.
"""

from __future__ import annotations

from bp_rules.agents import frontmatter as fm
from bp_rules.agents import markdown as md
from bp_rules.agents.agents_md import PATH as AGENTS_PATH
from bp_rules.agents.content import Selection
from bp_rules.agents.target import Budget, Target
from bp_rules.agents.writer import with_provenance

MEMORY_FILE = "CLAUDE.md"
DIR = ".claude/rules"
SUFFIX = ".md"
WHY = "Claude Code's docs: keep a memory or rule file under about 200 lines"
BUDGETS = (Budget(MEMORY_FILE, 200, "lines", WHY), Budget(f"{DIR}/*{SUFFIX}", 200, "lines", WHY))


def memory(sel: Selection) -> str:
    return f"@{AGENTS_PATH}\n\n{sel.text('claude_note')}\n"


def render(sel: Selection) -> dict[str, str]:
    files = md.scoped_files(
        [group for group in sel.groups() if not group.universal],
        path_for=lambda name: f"{DIR}/{name}{SUFFIX}",
        wrap=lambda group, body: with_provenance(fm.dump({"paths": list(group.globs)}), body),
        head=lambda group: f"# {group.title}\n\n{sel.text('scoped_file_intro', files=', '.join(group.globs))}",
        section=md.rule_reminder,
        budget=BUDGETS[1],
    )
    return {MEMORY_FILE: memory(sel), **files}


TARGET = Target(
    name="claude",
    summary="CLAUDE.md importing @AGENTS.md (managed block) + .claude/rules/*.md with paths",
    render=render,
    managed=frozenset({MEMORY_FILE}),
    owned=((DIR, f"bp-*{SUFFIX}"),),
    budgets=BUDGETS,
    requires=("agents",),
)
