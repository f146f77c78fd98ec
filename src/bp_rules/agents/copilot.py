"""GitHub Copilot: `.github/copilot-instructions.md` and `.github/instructions/<name>.instructions.md`.

The repository-wide file is the always-on core (managed block, no frontmatter): the version matrix, the
error rules and how to verify. Path-specific files carry `applyTo` (globs joined by commas, no spaces) and
must end in `.instructions.md` or Copilot ignores them; Copilot code review reads only the first 4,000
characters of each, so the fitting keeps them under that (rules lose their excerpt first).
"""

from __future__ import annotations

from bp_rules.agents import frontmatter as fm
from bp_rules.agents import scoped
from bp_rules.agents.content import GROUP_PREFIX, Group, Selection
from bp_rules.agents.target import LOAD_LIMIT, Attach, Budget, Target

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
            "description": f"FastAPI best practices: {group.title} (bp-rules)",
        }
    )


def attach(path: str, text: str) -> Attach:
    if path == REPO_FILE:
        return Attach(always=True)
    apply = (fm.load(text) or {}).get("applyTo", "")
    globs = tuple(g for g in str(apply).split(",") if g)
    return Attach(always=globs in (("**",), ("**/*",)), globs=globs)


SHAPE = scoped.Shape(DIR, SUFFIX, header, core_path=REPO_FILE, skill=True)


def render(sel: Selection) -> dict[str, str]:
    return scoped.render(sel, TARGET, SHAPE)


TARGET = Target(
    name="copilot",
    summary=".github/copilot-instructions.md (the core, managed block) + .github/instructions/fastapi-*",
    render=render,
    managed=frozenset({REPO_FILE}),
    owned=((DIR, f"{GROUP_PREFIX}*{SUFFIX}"), (DIR, f"bp-*{SUFFIX}")),
    budgets=BUDGETS,
    requires=("skill",),
    attach=attach,
    load_limit=LOAD_LIMIT,
)
