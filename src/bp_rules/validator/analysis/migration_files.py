"""Alembic revision files as Python: their identifiers, docstring and `upgrade`/`downgrade` functions."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from bp_rules.validator.analysis.statements import assigned_name
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import string_value


@dataclass(frozen=True)
class Revision:
    revision: str
    down_revisions: tuple[str, ...]  # empty for a first revision; two or more for a merge
    docstring: str  # the module docstring's first line ("" when there is none)


def revision_of(tree: cst.Module) -> Revision | None:
    """The revision a module declares (`revision = "..."` at module level), or None if it is no revision file."""
    revision: str | None = None
    down: tuple[str, ...] = ()
    for stmt in tree.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            pair = assigned_name(small)
            if pair is None or pair[1] is None:
                continue
            name, value = pair[0].value, pair[1]
            if name == "revision":
                revision = string_value(value)
            elif name == "down_revision":
                down = _revisions(value)
    if revision is None:
        return None
    doc = tree.get_docstring(clean=True) or ""
    return Revision(revision, down, doc.strip().splitlines()[0].strip() if doc.strip() else "")


def _revisions(value: cst.BaseExpression) -> tuple[str, ...]:
    single = string_value(value)
    if single is not None:
        return (single,)
    if isinstance(value, (cst.Tuple, cst.List)):
        return tuple(v for v in (string_value(el.value) for el in value.elements) if v)
    return ()


def module_function(ctx: FileContext, name: str):
    for fn in ctx.summary.functions:
        if fn.name == name and fn.in_class is None and not fn.nested:
            return fn
    return None


def is_migration(ctx: FileContext) -> bool:
    """An Alembic revision: a module-level `revision` and an `upgrade()` function."""
    return module_function(ctx, "upgrade") is not None and revision_of(ctx.tree) is not None
