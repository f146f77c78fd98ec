"""What the exporters render: the selected rules in a stable order, their scope groups, and the guides.

Everything here is data and ordering; no prose. Prose that is not a rule lives in `guides.yaml`, rule text
in the records.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml

from bp_rules.schema.loader import Pack
from bp_rules.schema.models import Matrix, Rule, Severity

UNIVERSAL_GLOBS = (("**",), ("**/*",))
GROUP_PREFIX = "bp-"
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


def _named(rule: Rule, names: Iterable[str]) -> bool:
    return any(n in (rule.id, rule.category) for n in names)


def unknown_names(pack: Pack, names: Iterable[str]) -> list[str]:
    known = set(pack.rules) | {r.category for r in pack.rules.values()} | {"all"}
    return sorted(n for n in names if n not in known)


def severity_key(rule: Rule) -> tuple[int, str]:
    """Most severe first, then by id."""
    return (-rule.severity.rank, rule.id)


def is_universal(globs: Iterable[str]) -> bool:
    return tuple(globs) in UNIVERSAL_GLOBS


@dataclass(frozen=True)
class Group:
    """Rules that share a category and a glob set: one scoped file of a directory target."""

    name: str
    title: str
    category: str
    globs: tuple[str, ...]
    rules: tuple[Rule, ...]

    @property
    def universal(self) -> bool:
        return is_universal(self.globs)


@dataclass
class Selection:
    """The rules to export, in document order, with the guides and the matrix."""

    rules: list[Rule]
    opt_in: list[Rule]
    matrix: Matrix
    guides: dict[str, Any]
    categories: list[tuple[str, str]] = field(default_factory=list)  # (id, title), in order
    detail: Detail = "compact"

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
        """One group per category; a rule whose globs differ from its category's usual ones gets its own."""
        groups = []
        for cat, title, rules in self.by_category():
            counts = Counter(tuple(r.globs()) for r in rules)
            first = {}
            for index, rule in enumerate(rules):
                first.setdefault(tuple(rule.globs()), index)
            # the most common glob set; on a tie, the one of the most severe rule
            common = max(counts, key=lambda g: (counts[g], -first[g]))
            main = tuple(r for r in rules if tuple(r.globs()) == common)
            groups.append(Group(f"{GROUP_PREFIX}{cat}", title, cat, common, main))
            for rule in rules:
                if tuple(rule.globs()) != common:
                    globs = tuple(rule.globs())
                    groups.append(Group(f"{GROUP_PREFIX}{rule.id}", rule.title, cat, globs, (rule,)))
        return groups


def select(pack: Pack, options: Options = Options()) -> Selection:
    guides = load_guides()
    if options.select:
        chosen = [
            r for r in pack.rules.values()
            if _named(r, options.select) or (r.enabled_by_default and "all" in options.select)
        ]  # fmt: skip
    else:
        chosen = pack.enabled()
    chosen = [r for r in chosen if not _named(r, options.ignore)]
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
    )
