"""What a phase-1 check sees of one file, and where a file sits in the project (catalog B6)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

import libcst as cst

from bp_rules.validator.config import Config
from bp_rules.validator.summary import NO_SPAN, FileSummary, Function, Span

if TYPE_CHECKING:
    from bp_rules.validator.indexer import Indexer


@dataclass(frozen=True)
class Placement:
    """The source root a file is under, its domain (first package below it) and its role (by file name)."""

    source_root: str | None
    domain: str | None
    role: str | None
    in_tests: bool

    @property
    def is_global(self) -> bool:
        return self.source_root is not None and self.domain is None


def placement(path: str, config: Config) -> Placement:
    parts = PurePosixPath(path).parts
    # pytest's own discovery: a `tests/` folder anywhere, `test_*.py`, `*_test.py` and `conftest.py`
    in_tests = bool(parts) and (
        bool({"tests", "test"} & set(parts[:-1]))
        or parts[-1].startswith("test_")
        or parts[-1].endswith("_test.py")
        or parts[-1] == "conftest.py"
    )
    role = config.role_of(parts[-1]) if parts else None
    for root in config.source_roots:
        root_parts = PurePosixPath(root).parts
        if parts[: len(root_parts)] == root_parts and len(parts) > len(root_parts):
            rest = parts[len(root_parts) :]
            domain = rest[0] if len(rest) > 1 else None
            return Placement(root, domain, role, in_tests)
    return Placement(None, None, role, in_tests)


class SpanCell(list):
    """A span `[line, col, end_line, end_col]` stored in a fact (`summary.facts`), filled in place once the
    position pass has run; it serializes as a plain list."""

    __slots__ = ()

    def _get(self) -> Span:
        return tuple(self)

    def _set(self, value: Span) -> None:
        self[:] = value

    span = property(_get, _set)


@dataclass
class PendingFinding:
    rule: str
    message: str
    node: cst.CSTNode | None = None
    span: Span | None = None
    target: object | None = None  # a summary object whose `span` is filled after the position pass


@dataclass
class FileContext:
    path: str
    module: str
    source: str
    tree: cst.Module
    summary: FileSummary
    indexer: Indexer
    config: Config
    placement: Placement
    pending: list[PendingFinding] = field(default_factory=list)
    memo: dict[str, object] = field(default_factory=dict)  # per-file facts several checks or routes reuse

    # --- reporting ------------------------------------------------------------------------------------

    def report(self, rule: str, node: cst.CSTNode, message: str) -> None:
        self.pending.append(PendingFinding(rule, message, node=node))

    def report_at(self, rule: str, where: Span | object, message: str) -> None:
        """Report at a span, or at a summary object (Call, Import, Function...) whose span is filled later."""
        if isinstance(where, tuple):
            self.pending.append(PendingFinding(rule, message, span=where))
        else:
            self.pending.append(PendingFinding(rule, message, target=where))

    def fact_span(self, node: cst.CSTNode) -> SpanCell:
        """A span to store in a fact for phase 2; it is filled in after the checks, like a finding's."""
        cell = SpanCell(NO_SPAN)
        self.indexer.span_targets.append((cell, "span", node))
        return cell

    # --- names ----------------------------------------------------------------------------------------

    def qualify(self, node: cst.BaseExpression | None, scope=None) -> str:
        return self.indexer.qualify_expr(node, scope)

    def nodes(self, node_type: type) -> list[tuple[cst.CSTNode, object]]:
        """Nodes of a type the check asked for in `node_types`, each with its enclosing function scope."""
        return self.indexer.nodes.get(node_type, [])

    def function_node(self, function: Function) -> cst.FunctionDef:
        return self.indexer.function_nodes[function.qualname]

    def method_decorators(self, function: Function):
        """`(call, method)` for each decorator of the form `@owner.method(...)`: routes, handlers, events."""
        for decorator in self.function_node(function).decorators:
            call = decorator.decorator
            if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute):
                yield call, call.func.attr.value

    def call_node(self, call) -> cst.Call:
        return self.indexer.call_nodes[id(call)]

    def is_route(self, function: Function) -> bool:
        return bool(function.routes) or any(q == function.qualname for q, _ in self.summary.route_endpoints)

    def is_injected(self, function: Function) -> bool:
        """A route, or a function FastAPI injects parameters into (so a dependency), as far as this file shows."""
        return (
            self.is_route(function)
            or function.qualname in self.local_dependencies()
            or any(p.depends for p in function.params)
        )

    def local_dependencies(self) -> set[str]:
        """Functions of this module used as dependencies by this module."""
        out: set[str] = set()
        for fn in self.summary.functions:
            out.update(p.depends for p in fn.params if p.depends)
            out.update(fn.dependencies)
        out.update(a.depends for a in self.summary.aliases.values() if a.depends)
        return out

    @staticmethod
    def unknown_span() -> Span:
        return NO_SPAN
