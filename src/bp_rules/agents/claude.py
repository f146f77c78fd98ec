"""Claude Code: `CLAUDE.md` with the always-on core (managed block), `.claude/rules/fastapi-*.md` attached by
`paths:` (a YAML list), and the `fastapi-best-practices` skill in `.claude/skills/`.

CLAUDE.md holds the core rather than importing `@AGENTS.md`: an import loads the whole AGENTS.md (about
30 KB) into every request, while the rules for the file being edited load from `.claude/rules/` when Claude
reads a matching file, and the skill has every rule on demand. A rule file without `paths` loads always.
"""

from __future__ import annotations

from bp_rules.agents import frontmatter as fm
from bp_rules.agents import scoped, skill
from bp_rules.agents.content import GROUP_PREFIX, Group, Selection
from bp_rules.agents.target import LOAD_LIMIT, Attach, Budget, Target

MEMORY_FILE = "CLAUDE.md"
DIR = ".claude/rules"
SUFFIX = ".md"
SKILLS_DIR = ".claude/skills"
WHY = "Claude Code's docs: keep a memory or rule file under about 200 lines"
BUDGETS = (Budget(MEMORY_FILE, 200, "lines", WHY), Budget(f"{DIR}/*{SUFFIX}", 200, "lines", WHY))


def header(group: Group) -> str:
    return "" if group.universal else fm.dump({"paths": list(group.globs)})


def attach(path: str, text: str) -> Attach:
    if path.startswith(f"{SKILLS_DIR}/"):
        return skill.attach(path, text)
    if path == MEMORY_FILE:
        return Attach(always=True)
    paths = (fm.load(text) or {}).get("paths")
    return Attach(always=not paths, globs=tuple(paths or ()))


SHAPE = scoped.Shape(DIR, SUFFIX, header, core_path=MEMORY_FILE, skill=True)


def render(sel: Selection) -> dict[str, str]:
    return {**scoped.render(sel, TARGET, SHAPE), **skill.files(sel, SKILLS_DIR)}


TARGET = Target(
    name="claude",
    summary="CLAUDE.md, the core (managed block) + .claude/rules/fastapi-*.md with paths + .claude/skills/",
    render=render,
    managed=frozenset({MEMORY_FILE}),
    owned=((DIR, f"{GROUP_PREFIX}*{SUFFIX}"), (DIR, f"bp-*{SUFFIX}"), *skill.owned(SKILLS_DIR)),
    budgets=BUDGETS,
    attach=attach,
    load_limit=LOAD_LIMIT,
)
