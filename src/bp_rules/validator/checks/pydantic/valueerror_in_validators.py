"""`pydantic-valueerror-in-validators`: validators reject bad input with `raise ValueError(...)`, never
`HTTPException` or `assert`."""

from __future__ import annotations

import libcst as cst

from bp_rules.validator.analysis.pydantic_syntax import HTTP_EXCEPTIONS, validator_decorator
from bp_rules.validator.context import FileContext
from bp_rules.validator.registry import FileCheck, register


@register
class ValueErrorInValidators(FileCheck):
    rule_id = "pydantic-valueerror-in-validators"
    node_types = (cst.Raise, cst.Assert)

    def check(self, ctx: FileContext) -> None:
        for node_type in (cst.Raise, cst.Assert):
            for node, scope in ctx.nodes(node_type):
                if scope is None or scope.info.in_class is None:
                    continue
                if validator_decorator(ctx, scope.node, scope.parent) is None:
                    continue
                name = scope.info.name
                if isinstance(node, cst.Assert):
                    ctx.report(
                        self.rule_id,
                        node,
                        f"validator `{name}` validates with `assert`, which `python -O` strips; "
                        'use `if ...: raise ValueError("...")`',
                    )
                    continue
                exc = node.exc.func if isinstance(node.exc, cst.Call) else node.exc
                qualified = ctx.qualify(exc, scope) if exc is not None else ""
                if qualified in HTTP_EXCEPTIONS:
                    ctx.report(
                        self.rule_id,
                        node,
                        f"validator `{name}` raises `HTTPException`, which skips Pydantic's 422 with the field's "
                        'location; raise `ValueError("...")` instead',
                    )
