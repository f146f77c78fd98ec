"""Rewrite one file for one finding: find the node the finding points at, let the rule's codemod replace it,
settle the imports, and return the change as edits.

A codemod never searches the file for what to fix: the check already decided, and the finding's span names
the node. That keeps `--fix` to exactly what was reported (after `--select`, `noqa` and `verify diff`).
"""

from __future__ import annotations

from collections.abc import Iterable

from bp_rules.fixes.edits import Edit, edits_between
from bp_rules.fixes.fix import CODEMODS, CannotFix, Codemod, Fix, SourceIndex


def load_codemods() -> dict[str, Codemod]:
    import bp_rules.fixes.codemods  # noqa: F401  (the modules register themselves)

    return CODEMODS


def file_fixes(index: SourceIndex, findings: Iterable) -> dict[object, tuple[tuple[Edit, ...], Fix]]:
    """Each finding's fix, as edits of the file's text (and the Fix, to tidy imports after several are
    applied together); findings without a codemod or a fixable shape are left out."""
    codemods = load_codemods()
    out = {}
    for finding in findings:
        codemod = codemods.get(finding.rule)
        if codemod is None:
            continue
        span = (finding.line, finding.col, finding.end_line, finding.end_col)
        node = index.at(span, codemod.targets)
        if node is None:
            continue
        fix = Fix(index)
        try:
            codemod.rewrite(node, fix)
            fixed = fix.result()
        except CannotFix:
            continue
        if fixed != index.text:
            out[finding] = (tuple(edits_between(index.text, fixed)), fix)
    return out
