"""Names that select rules (ids, categories, `all`), checked against the pack wherever a user writes them.

A misspelt name must never select nothing quietly: in CI that is a check that stays green forever. Every
entry point (verify and export flags, `[tool.bp-rules]`, `rules list --category`) goes through here.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bp_rules.schema.loader import Pack

# findings the validator itself reports; they can be ignored or suppressed like a rule
VALIDATOR_IDS = ("syntax-error", "unused-noqa")


class SelectionError(ValueError):
    """A name that is no rule id or category of the pack, or a selection that leaves no rule."""


def known_names(pack: Pack, *, validator_ids: bool = True) -> set[str]:
    names = set(pack.rules) | {r.category for r in pack.rules.values()}
    return names | set(VALIDATOR_IDS) if validator_ids else names


def suggest(name: str, candidates: Iterable[str]) -> list[str]:
    """Close spellings first (`dcos` -> `docs`), then names that contain it (`annotated` -> `deps-annotated`)."""
    pool = sorted(set(candidates))
    close = difflib.get_close_matches(name.lower(), pool, n=3, cutoff=0.6)
    containing = [c for c in pool if name.lower() in c and c not in close]
    return [*close, *containing][:5]


def hint(name: str, candidates: Iterable[str]) -> str:
    close = suggest(name, candidates)
    return f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""


def unknown_names(pack: Pack, names: Iterable[str], *, allow_all: bool = True) -> list[str]:
    known = known_names(pack) | ({"all"} if allow_all else set())
    return sorted({n for n in names if n not in known})


def check_names(pack: Pack, names: Iterable[str], where: str, *, allow_all: bool = True) -> None:
    """Raise on the first unknown name, saying where it was written and what was probably meant."""
    unknown = unknown_names(pack, names, allow_all=allow_all)
    if unknown:
        candidates = known_names(pack)
        listed = "; ".join(f"{n!r}{hint(n, candidates)}" for n in unknown)
        raise SelectionError(f"{where}: unknown rule id or category {listed}. See `bp-rules rules list`.")


def check_category(pack: Pack, category: str, where: str = "--category") -> None:
    categories = {r.category for r in pack.rules.values()}
    if category not in categories:
        raise SelectionError(f"{where}: unknown category {category!r}{hint(category, categories)}.")


def check_config(pack: Pack, config, section: str = "[tool.bp-rules]") -> None:
    """Every rule name in the project's configuration: select, ignore, severity and per-path-ignores."""
    check_names(pack, config.select, f"{section} select")
    check_names(pack, config.ignore, f"{section} ignore")
    check_names(pack, config.severity, f"{section} severity", allow_all=False)
    for glob, ids in config.per_path_ignores.items():
        check_names(pack, ids, f"{section} per-path-ignores.{glob}")


def check_not_empty(selected: Iterable, what: str) -> None:
    """`--select async --ignore async` selects nothing: say so instead of passing (or exporting) nothing."""
    if not any(True for _ in selected):
        raise SelectionError(f"{what} leaves no rule.")
