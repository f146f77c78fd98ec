"""What the exporters render: the selected rules in a stable order, their scope groups, and the guides.

Everything here is data and ordering; no prose. Prose that is not a rule lives in `guides.yaml`, rule text
in the records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml

from bp_rules.agents.layout import CONFTEST_GLOB, TESTS_GLOBS, Layout
from bp_rules.links import published
from bp_rules.schema.loader import Pack
from bp_rules.schema.models import Matrix, Rule, Severity

UNIVERSAL_GLOBS = (("**",), ("**/*",))
GROUP_PREFIX = "fastapi-"
Detail = Literal["compact", "full"]
DETAILS: tuple[Detail, ...] = ("compact", "full")


@cache
def load_guides() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("guides.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@dataclass(frozen=True)
class Options:
    """How to select rules. Mirrors `bp-rules verify`: by default the enabled rules; a rule or category
    named in `select` is included even when opt-in; `all` means every enabled rule."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    min_severity: Severity | None = None
    detail: Detail = "compact"  # AGENTS.md: fit Codex's 32 KiB read (compact) or every rule in full
    severity: tuple[tuple[str, str], ...] = ()  # (rule id, severity) overrides, as `[tool.bp-rules] severity`


def _named(rule: Rule, names: Iterable[str]) -> bool:
    return any(n in (rule.id, rule.category) for n in names)


def severity_key(rule: Rule) -> tuple[int, str]:
    """Most severe first, then by id."""
    return (-rule.severity.rank, rule.id)


def is_universal(globs: Iterable[str]) -> bool:
    return tuple(globs) in UNIVERSAL_GLOBS


@dataclass(frozen=True)
class Group:
    """Rules of one category that attach to the same files: one file of a scoped target.

    `on_demand` is the description agents that load rule files by task read instead of matching `globs`."""

    name: str
    title: str
    category: str
    globs: tuple[str, ...]
    rules: tuple[Rule, ...]
    on_demand: str | None = None

    @property
    def universal(self) -> bool:
        return is_universal(self.globs)


def _general(globs: Iterable[str]) -> bool:
    """Globs that say only "any file" or "any Python file": where the rule matters is then the role's."""
    return tuple(globs) in (*UNIVERSAL_GLOBS, ("**/*.py",))


def _any_code(glob: str, layout: Layout) -> bool:
    """A glob for Python files anywhere in a tree, other than tests and migrations."""
    migration_dirs = tuple(f"{d.rstrip('/')}/" for d in layout.migrations_dirs)
    return glob.endswith("**/*.py") and glob not in TESTS_GLOBS and not glob.startswith(migration_dirs)


def _kind(globs: Iterable[str], layout: Layout) -> str | None:
    """`tests` or `migrations` when every glob is one of those, `project-files` when none is Python."""
    globs = tuple(globs)
    migration_dirs = tuple(f"{d.rstrip('/')}/" for d in layout.migrations_dirs)
    if all(g in (*TESTS_GLOBS, CONFTEST_GLOB, "**/tests/**") for g in globs):
        return "tests"
    if all(g.startswith(migration_dirs) or g == "alembic.ini" for g in globs):
        return "migrations"
    if not any(g.endswith(".py") or g.endswith("**") for g in globs):
        return "project-files"
    return None


@dataclass
class Selection:
    """The rules to export, in document order, with the guides and the matrix."""

    rules: list[Rule]
    opt_in: list[Rule]
    matrix: Matrix
    guides: dict[str, Any]
    categories: list[tuple[str, str]] = field(default_factory=list)  # (id, title), in order
    detail: Detail = "compact"
    layout: Layout = field(default_factory=Layout)
    pages: frozenset[str] = frozenset()  # ids of the rules with a published page (the built-in ones)

    def by_category(self) -> list[tuple[str, str, list[Rule]]]:
        out = []
        for cat, title in self.categories:
            rules = sorted((r for r in self.rules if r.category == cat), key=severity_key)
            if rules:
                out.append((cat, title, rules))
        return out

    def by_severity(self) -> list[Rule]:
        """Most severe first; ties in category order, then id."""
        order = {cat: i for i, (cat, _) in enumerate(self.categories)}
        return sorted(self.rules, key=lambda r: (-r.severity.rank, order.get(r.category, 99), r.id))

    def counts(self) -> dict[str, int]:
        checked = sum(1 for r in self.rules if r.checked)
        return {"rules": len(self.rules), "checked": checked, "guidance": len(self.rules) - checked}

    def text(self, key: str, **extra: Any) -> str:
        """A guides.yaml string with its placeholders filled in."""
        value = self.guides.get(key, "")
        return str(value).format_map({**self.counts(), **extra}).strip()

    def groups(self) -> list[Group]:
        """One file's worth of rules per category and place: the category's files (its roles in this layout,
        see `attach` in guides.yaml), and for rules whose records name narrower files (tests, migrations,
        project files), a group of those. Names say what a file holds: `fastapi-async`, `fastapi-async-tests`."""
        attach = self.guides.get("attach", {})
        groups = []
        for cat, title, rules in self.by_category():
            policy = attach.get(cat, {})
            role_globs = [g for role in policy.get("roles", []) for g in self.layout.role_globs(role)]
            home = tuple(dict.fromkeys([*role_globs, *policy.get("files", [])]))
            places: dict[str, list[Rule]] = {}
            globs: dict[str, tuple[str, ...]] = {}
            for rule in rules:
                own = self.layout.map_record_globs(rule.globs())
                if home and _general(rule.globs()):
                    label, where = "", home
                else:
                    if home:  # a project-file rule that also looks at code: the code is its category's
                        own = tuple(g for g in own if not _any_code(g, self.layout)) or own
                    label = _kind(own, self.layout) or rule.id.removeprefix(f"{cat}-")
                    where = own
                places.setdefault(label, []).append(rule)
                globs[label] = tuple(dict.fromkeys([*globs.get(label, ()), *where]))
            if not home:  # the category's usual files are its biggest place
                main = max(places, key=lambda k: (len(places[k]), k == ""))
                places = {"" if k == main else k: v for k, v in places.items()}
                globs = {"" if k == main else k: v for k, v in globs.items()}
            for label in sorted(places, key=lambda k: (k != "", k)):
                name = f"{GROUP_PREFIX}{cat}" + (f"-{label}" if label else "")
                group_title = title if not label else f"{title}: {label.replace('-', ' ')}"
                on_demand = policy.get("on_demand") if not label else None
                groups.append(Group(name, group_title, cat, globs[label], tuple(places[label]), on_demand))
        return groups


def select(pack: Pack, options: Options = Options(), layout: Layout | None = None) -> Selection:
    guides = load_guides()
    if options.select:
        chosen = [
            r for r in pack.rules.values()
            if _named(r, options.select) or (r.enabled_by_default and "all" in options.select)
        ]  # fmt: skip
    else:
        chosen = pack.enabled()
    chosen = [r for r in chosen if not _named(r, options.ignore)]
    overrides = dict(options.severity)
    chosen = [r.model_copy(update={"severity": Severity(overrides[r.id])}) if r.id in overrides else r for r in chosen]
    if options.min_severity is not None:
        chosen = [r for r in chosen if r.severity.rank >= options.min_severity.rank]
    ids = {r.id for r in chosen}
    opt_in = sorted(
        (r for r in pack.rules.values()
         if not r.enabled_by_default and r.id not in ids and not _named(r, options.ignore)),
        key=lambda r: r.id,
    )  # fmt: skip
    titles = {c["id"]: c["title"] for c in guides.get("categories", [])}
    present = {r.category for r in chosen}
    ordered = [(c, titles[c]) for c in titles if c in present]
    ordered += [(c, c.capitalize()) for c in sorted(present - set(titles))]
    return Selection(
        rules=sorted(chosen, key=lambda r: r.id),
        opt_in=opt_in,
        matrix=pack.matrix,
        guides=guides,
        categories=ordered,
        detail=options.detail,
        layout=layout or Layout(),
        pages=published(pack),
    )
