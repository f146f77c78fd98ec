"""`migrations-reversible`: every revision's `downgrade()` undoes what its `upgrade()` did."""

from __future__ import annotations

import libcst as cst

from bp_rules.validator.analysis.migration_files import module_function
from bp_rules.validator.context import FileContext
from bp_rules.validator.registry import FileCheck, register


def _body(fn_node: cst.FunctionDef) -> list[cst.BaseSmallStatement | cst.BaseCompoundStatement]:
    """A function's statements without its docstring; one-line suites give their small statements."""
    out: list = []
    block = fn_node.body
    statements = block.body if isinstance(block, cst.IndentedBlock) else [block]
    for stmt in statements:
        if isinstance(stmt, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            out.extend(stmt.body)
        else:
            out.append(stmt)
    if out and isinstance(out[0], cst.Expr) and isinstance(out[0].value, (cst.SimpleString, cst.ConcatenatedString)):
        out = out[1:]
    return out


def _is_noop(stmt) -> bool:
    return isinstance(stmt, cst.Pass) or (isinstance(stmt, cst.Expr) and isinstance(stmt.value, cst.Ellipsis))


@register
class Reversible(FileCheck):
    rule_id = "migrations-reversible"

    def check(self, ctx: FileContext) -> None:
        upgrade = module_function(ctx, "upgrade")
        if upgrade is None:
            return
        upgrade_body = _body(ctx.function_node(upgrade))
        if all(_is_noop(s) for s in upgrade_body):
            return  # nothing to undo: a merge point or an empty revision
        downgrade = module_function(ctx, "downgrade")
        if downgrade is None:
            ctx.report_at(
                self.rule_id,
                upgrade,
                "this revision has no `downgrade()`, so it cannot be rolled back; add one that undoes `upgrade()` "
                "in reverse order",
            )
            return
        body = _body(ctx.function_node(downgrade))
        if all(_is_noop(s) for s in body):
            ctx.report_at(
                self.rule_id,
                downgrade,
                "`downgrade()` does nothing, so rolling back leaves the schema ahead of the code; undo each "
                "`upgrade()` step in reverse order (or suppress with the reason if it truly cannot be undone)",
            )
        elif len([s for s in body if not _is_noop(s)]) == 1 and isinstance(
            next(s for s in body if not _is_noop(s)), cst.Raise
        ):
            ctx.report_at(
                self.rule_id,
                downgrade,
                "`downgrade()` only raises, so this revision (and every one before it) cannot be rolled back; "
                "undo each `upgrade()` step in reverse order (or suppress with the reason if it truly cannot be "
                "undone)",
            )
