"""What a codemod works with: the parsed file it reads (`SourceIndex`), the `Fix` it fills in, and the registry
it joins (`register`). The codemods import this module and `rewrite` imports the codemods, so neither imports
the other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import ClassVar

import libcst as cst

from bp_rules.fixes import imports
from bp_rules.validator.parsing import parse_module
from bp_rules.validator.positions import locate


class CannotFix(Exception):
    """This occurrence has a shape the codemod does not rewrite; the finding stays, without a fix."""


class Codemod:
    """Rewrites what one rule's findings point at."""

    rule_id: ClassVar[str]
    # the node types a finding of the rule may point at (the first node with the finding's exact span wins)
    targets: ClassVar[tuple[type[cst.CSTNode], ...]]

    def rewrite(self, node: cst.CSTNode, fix: Fix) -> None:
        raise NotImplementedError


CODEMODS: dict[str, Codemod] = {}


def register(cls: type[Codemod]) -> type[Codemod]:
    if cls.rule_id in CODEMODS:
        raise ValueError(f"two codemods registered for {cls.rule_id}")
    CODEMODS[cls.rule_id] = cls()
    return cls


class SourceIndex:
    """One parsed file: each node's parent, and the spans of the nodes codemods may target."""

    def __init__(self, path: str, text: str, types: Iterable[type[cst.CSTNode]]):
        self.path = path
        self.text = text
        self.module = parse_module(text)
        self._statement_code: dict[int, str] = {}  # id of a statement of `module` -> its code
        collector = _Collector(tuple(set(types)))
        self.module.visit(collector)
        self.parents = collector.parents
        spans = locate(self.module, collector.found)
        self.by_span: dict[tuple[int, int, int, int], list[cst.CSTNode]] = {}
        for node in collector.found:
            span = spans.get(id(node))
            if span is not None:
                self.by_span.setdefault(span, []).append(node)

    def code(self, module: cst.Module) -> str:
        """`module.code` for a module derived from this file's: a fix replaces a few statements and shares the
        others with the original, whose code is generated once per file rather than once per fix."""
        original = self.module
        same_frame = (
            _same(module.header, original.header)
            and _same(module.footer, original.footer)
            and module.has_trailing_newline
            and module.body
            and (module.default_indent, module.default_newline) == (original.default_indent, original.default_newline)
        )
        if not same_frame:
            return module.code
        kept = {id(stmt) for stmt in original.body}
        parts = [original.code_for_node(node) for node in module.header]
        for stmt in module.body:
            if id(stmt) not in kept:
                parts.append(module.code_for_node(stmt))
                continue
            code = self._statement_code.get(id(stmt))
            if code is None:
                code = self._statement_code[id(stmt)] = original.code_for_node(stmt)
            parts.append(code)
        parts += [original.code_for_node(node) for node in module.footer]
        return "".join(parts)

    def at(self, span: tuple[int, int, int, int], types: tuple[type, ...]) -> cst.CSTNode | None:
        return next((n for n in self.by_span.get(span, ()) if isinstance(n, types)), None)

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(id(node))

    def ancestor(self, node: cst.CSTNode, kind: type) -> cst.CSTNode | None:
        parent = self.parent(node)
        while parent is not None and not isinstance(parent, kind):
            parent = self.parent(parent)
        return parent


class _Collector(cst.CSTVisitor):
    def __init__(self, types: tuple[type, ...]):
        self.types = types
        self.stack: list[cst.CSTNode] = []
        self.parents: dict[int, cst.CSTNode] = {}
        self.found: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.stack:
            self.parents[id(node)] = self.stack[-1]
        if isinstance(node, self.types):
            self.found.append(node)
        self.stack.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.stack.pop()


@dataclass
class Fix:
    """What a codemod asks for: node replacements, imports to add, imports that may have become unused."""

    index: SourceIndex
    replacements: dict[int, cst.CSTNode | cst.RemovalSentinel] = field(default_factory=dict)
    originals: list[cst.CSTNode] = field(default_factory=list)
    added: list[tuple[str, str]] = field(default_factory=list)
    released: dict[str, set[str]] = field(default_factory=dict)
    released_modules: set[str] = field(default_factory=set)

    @property
    def module(self) -> cst.Module:
        return self.index.module

    def replace(self, old: cst.CSTNode, new: cst.CSTNode | cst.RemovalSentinel) -> None:
        self.replacements[id(old)] = new
        self.originals.append(old)

    def add_import(self, source: str, name: str) -> None:
        """`from source import name`, unless the file already has it."""
        self.added.append((source, name))

    def release_import(self, source: str, name: str) -> None:
        """`from source import name` goes if nothing refers to `name` any more."""
        self.released.setdefault(source, set()).add(name)

    def release_module(self, name: str) -> None:
        """`import name` goes if nothing refers to `name` any more."""
        self.released_modules.add(name)

    def result(self) -> str:
        ancestors: set[int] = set()
        for node in self.originals:
            current = self.index.parent(node)
            while current is not None and id(current) not in ancestors:
                ancestors.add(id(current))
                current = self.index.parent(current)
        module = self.module.visit(_Replacer(self.replacements, ancestors))
        first_party = {self.index.path.split("/", 1)[0].removesuffix(".py"), *imports.USUAL_ROOTS}
        for source, name in self.added:
            module = imports.add_from_import(module, source, name, first_party)
        return self.index.code(self.tidy(module))

    def tidy(self, module: cst.Module) -> cst.Module:
        """Drop the imports this fix released, where nothing refers to them any more."""
        for source, names in self.released.items():
            module = imports.drop_unused(module, source, names)
        if self.released_modules:
            module = imports.drop_unused_modules(module, self.released_modules)
        return module


def _same(nodes, others) -> bool:
    return len(nodes) == len(others) and all(a is b for a, b in zip(nodes, others, strict=True))


class _Replacer(cst.CSTTransformer):
    """Replace the chosen nodes, walking down only the paths that lead to them."""

    def __init__(self, replacements: dict[int, cst.CSTNode | cst.RemovalSentinel], ancestors: set[int]):
        self.replacements = replacements
        self.ancestors = ancestors

    def on_visit(self, node: cst.CSTNode) -> bool:
        return id(node) in self.ancestors

    def on_leave(self, original_node, updated_node):
        return self.replacements.get(id(original_node), updated_node)
