"""Which Alembic revision files are applied history, for rules that check new revisions only.

A static tool cannot ask the database which revisions it has run. What it can tell: a revision that another
revision names as its `down_revision` has been built upon, so it is history; the head revision(s) of each
chain are what a change is adding now. In `verify diff`, a revision file the change touches is new as well.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bp_rules.validator.summary import FileSummary


def identity(tree, summary: FileSummary) -> list | None:
    """`[revision, [down revisions]]` when the module is an Alembic revision (a module-level `revision` and
    `upgrade()`), else None."""
    from bp_rules.validator.analysis.migration_files import revision_of

    if not any(fn.name == "upgrade" and fn.in_class is None and not fn.nested for fn in summary.functions):
        return None
    found = revision_of(tree)
    return [found.revision, list(found.down_revisions)] if found is not None else None


def applied(revisions: Mapping[str, list | None], touched: Iterable[str] = ()) -> frozenset[str]:
    """Paths of revision files that later revisions build upon, minus those in `touched`. `revisions` maps
    each path to its `[revision, [down revisions]]` (None for other files)."""
    by_id = {found[0]: path for path, found in revisions.items() if found}
    parents = {down for found in revisions.values() if found for down in found[1]}
    return frozenset(by_id[r] for r in parents if r in by_id) - frozenset(touched)
