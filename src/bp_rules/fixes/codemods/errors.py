"""errors-chain-from: `raise X(...)` in an except block -> `raise X(...) from exc`, binding the exception if needed."""

from __future__ import annotations

import libcst as cst

from bp_rules.fixes.fix import CannotFix, Codemod, Fix, register

NAMES = ("exc", "error", "err")


class _Names(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)


@register
class ChainFrom(Codemod):
    rule_id = "errors-chain-from"
    targets = (cst.Raise,)

    def rewrite(self, node: cst.CSTNode, fix: Fix) -> None:
        handler = fix.index.ancestor(node, cst.ExceptHandler)
        if handler is None or node.exc is None or node.cause is not None:
            raise CannotFix
        bound = handler.name.name if handler.name is not None else None
        if bound is not None and not isinstance(bound, cst.Name):
            raise CannotFix
        if bound is None and handler.type is None:
            raise CannotFix  # a bare `except:` has no type to bind
        name = bound.value if bound is not None else self._free_name(handler, fix)
        raised = node.with_changes(
            cause=cst.From(cst.Name(name), whitespace_before_from=cst.SimpleWhitespace(" ")),
        )
        if bound is not None:
            fix.replace(node, raised)
            return
        new_handler = handler.deep_replace(node, raised).with_changes(
            name=cst.AsName(cst.Name(name)),
            whitespace_after_except=cst.SimpleWhitespace(" "),
        )
        fix.replace(handler, new_handler)

    @staticmethod
    def _free_name(handler: cst.ExceptHandler, fix: Fix) -> str:
        """A name nothing in the enclosing function (or module) uses: `except ... as` unbinds it afterwards."""
        scope = fix.index.ancestor(handler, cst.FunctionDef) or fix.module
        visitor = _Names()
        scope.visit(visitor)
        for name in NAMES:
            if name not in visitor.names:
                return name
        raise CannotFix
