"""The files of a scoped target (Cursor, Copilot, Claude, Windsurf, Cline, Kiro): an always-on core plus one
file per group of rules, attached to the files those rules are about, fitted to the agent's budgets.

Fitting: error and warning rules start with a Don't/Do excerpt, info rules as a line with their summary.
While a request that edits a file of this layout (`edits`: typical files, and role modules inside the
packages other groups attach to) would load more than the
target's `load_limit`, or a file is over one of the target's per-file budgets, the next step of
`_demotions` that touches a rule in the files concerned is applied (an excerpt or a summary goes). Every
rule keeps its entry, so nothing becomes unreachable; its examples stay a `bp-rules rules show` away.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bp_rules.agents import markdown as md
from bp_rules.agents import skill
from bp_rules.agents.content import Group, Selection
from bp_rules.agents.core import CORE_NAME, core
from bp_rules.agents.layout import SAMPLE_DOMAIN
from bp_rules.agents.loads import loaded, size
from bp_rules.agents.target import Target
from bp_rules.agents.writer import with_provenance
from bp_rules.schema.models import Rule, Severity


@dataclass(frozen=True)
class Shape:
    """Where a target writes: its rule directory and suffix, the frontmatter of a group's file and of the
    core, and where the core goes (`core_path`; a managed single file when it is the target's own)."""

    directory: str
    suffix: str
    header: Callable[[Group], str]
    core_header: str = ""
    core_path: str | None = None
    skill: bool = False  # the agent reads the exported skill: the core points at it

    def path(self, name: str) -> str:
        return f"{self.directory}/{name}{self.suffix}"


def group_body(sel: Selection, group: Group, levels: Mapping[str, int]) -> str:
    parts = [f"# {sel.guides.get('title', 'Best practices')}: {group.title}"]
    if group.category == "structure" and group.on_demand is not None:  # the category's main file
        parts.append(_layout_note(sel))
    parts.append(md.entries(group.rules, levels))
    return "\n\n".join(p for p in parts if p)


def _layout_note(sel: Selection) -> str:
    roots = " or ".join(f"`{r}/`" for r in sel.layout.source_roots) or "`src/`"
    routers = " or ".join(f"`{n}`" for n in sel.layout.role_files.get("router", ())[:2]) or "`router.py`"
    return sel.text("layout_note", roots=roots, routers=routers)


def draft(sel: Selection, shape: Shape, levels: Mapping[str, int]) -> tuple[dict[str, str], dict[str, list[Rule]]]:
    files: dict[str, str] = {}
    rules: dict[str, list[Rule]] = {}
    core_path = shape.core_path or shape.path(CORE_NAME)
    text = core(sel, skill=shape.skill)
    files[core_path] = text if shape.core_path else with_provenance(shape.core_header, text)
    for group in sel.groups():
        path = shape.path(group.name)
        files[path] = with_provenance(shape.header(group), group_body(sel, group, levels))
        rules[path] = list(group.rules)
    return files, rules


def _demotions(sel: Selection) -> list[tuple[Rule, int]]:
    """(rule, level it drops to), in the order fitting applies them: info summaries become titles, then
    warnings lose their excerpt, then errors, then warning and error summaries become titles; within a
    step, the last rule in document order first."""
    in_order = list(reversed([rule for _, _, rules in sel.by_category() for rule in rules]))
    info = [r for r in in_order if r.severity is Severity.info]
    warning = [r for r in in_order if r.severity is Severity.warning]
    error = [r for r in in_order if r.severity is Severity.error]
    return [
        *((r, md.TITLE) for r in info),
        *((r, md.SUMMARY) for r in warning),
        *((r, md.SUMMARY) for r in error),
        *((r, md.TITLE) for r in warning),
        *((r, md.TITLE) for r in error),
    ]


_MODULE = re.compile(r"\*\*/([\w.-]+\.py)")
_PACKAGE = re.compile(r"\*\*/([\w-]+)/\*\*/\*\.py")


def edits(sel: Selection) -> list[str]:
    """The paths fitting measures: the layout's typical files, and every role module in every package the
    groups attach to, sources and tests (`app/api/deps.py`, `tests/routes/test_posts.py`), so that a file
    two groups attach to fits too."""
    modules: set[str] = set()
    packages = {SAMPLE_DOMAIN}
    for group in sel.groups():
        for glob in group.globs:
            if found := _MODULE.fullmatch(glob):
                modules.add(found.group(1))
            elif found := _PACKAGE.fullmatch(glob):
                packages.add(found.group(1))
    root = sel.layout.source_roots[0] if sel.layout.source_roots else "src"
    paths = set(sel.layout.samples().values())
    for package in packages:
        paths.add(f"tests/{package}/test_{SAMPLE_DOMAIN}.py")
        paths.update(f"{root}/{package}/{module}" for module in modules)
    return sorted(paths)


def _overrun(
    target: Target,
    files: dict[str, str],
    rules: dict[str, list[Rule]],
    requests: list[frozenset[str]],
    reserved: int,
) -> set[str]:
    """The ids of the rules in the first place that is over a budget: the files one request loads, or one
    file over a per-file budget. Empty when everything fits. `reserved`: bytes loaded anyway from files of
    other targets (the skill's description)."""
    if target.load_limit is not None:
        for request in requests:
            if sum(size(target, p, files[p]) for p in request if p in files) > target.load_limit - reserved:
                return {r.id for path in request for r in rules.get(path, [])}
    for path, text in files.items():
        for budget in target.budgets:
            if budget.matches(path) and budget.measure(text) > budget.limit:
                return {r.id for r in rules.get(path, [])}
    return set()


def render(sel: Selection, target: Target, shape: Shape) -> dict[str, str]:
    """The fitted files (see the module docstring)."""
    levels = {r.id: md.SUMMARY if r.severity is Severity.info else md.EXCERPT for r in sel.rules}
    steps = _demotions(sel)
    reserved = 0
    if shape.skill:
        path, text = next(iter(skill.files(sel).items()), ("", ""))
        reserved = skill.attach(path, text).always_bytes if path else 0
    files, rules = draft(sel, shape, levels)
    # which files a request loads depends on the frontmatter alone, which fitting does not change
    requests = sorted({frozenset(loaded(target, files, path)) for path in edits(sel)}, key=sorted)
    while True:
        over = _overrun(target, files, rules, requests, reserved)
        step = next(((r, level) for r, level in steps if r.id in over and levels[r.id] > level), None)
        if step is None:
            return files
        levels[step[0].id] = step[1]
        files, rules = draft(sel, shape, levels)
