"""Line and column of chosen nodes, from one lean code-generation pass.

libcst's PositionProvider records a range for every node of the module; that costs more than the parse.
Here the code generator only counts lines and columns, and records ranges for the nodes asked for.
Nodes asked for are expressions, small statements and names, whose text starts where their code does;
compound statements are located through `record_syntactic_position`, as libcst does.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager, nullcontext

import libcst as cst
from libcst._nodes.internal import CodegenState

from bp_rules.validator.summary import Span

_NULL = nullcontext()


class _PositionState(CodegenState):
    def __init__(self, module: cst.Module, wanted: set[int]):
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.line = 1
        self.column = 0
        self.wanted = wanted
        self.found: dict[int, Span] = {}
        self.stack: list[tuple[int, int]] = []

    def add_token(self, value: str) -> None:
        if "\n" in value:
            self.line += value.count("\n")
            self.column = len(value) - value.rfind("\n") - 1
        else:
            self.column += len(value)

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def before_codegen(self, node: cst.CSTNode) -> None:
        if id(node) in self.wanted:
            self.stack.append((self.line, self.column))

    def after_codegen(self, node: cst.CSTNode) -> None:
        key = id(node)
        if key in self.wanted:
            line, col = self.stack.pop()
            self.found.setdefault(key, (line, col + 1, self.line, self.column + 1))

    def record_syntactic_position(self, node, *, start_node=None, end_node=None):
        if id(node) not in self.wanted:
            return _NULL
        return self._syntactic(node)

    @contextmanager
    def _syntactic(self, node: cst.CSTNode):
        start = (self.line, self.column)
        yield
        self.found[id(node)] = (start[0], start[1] + 1, self.line, self.column + 1)


def locate(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> dict[int, Span]:
    """Spans (1-based line and column, end exclusive) of `nodes`, keyed by `id(node)`."""
    wanted = {id(n) for n in nodes}
    if not wanted:
        return {}
    state = _PositionState(module, wanted)
    module._codegen(state)
    return state.found
