"""Adding and dropping names in a module's imports, placed the way isort (and ruff's `I` rules) would."""

from __future__ import annotations

import sys

import libcst as cst

FUTURE, STDLIB, THIRD_PARTY, FIRST_PARTY = range(4)
_EMPTY = cst.Module([])
# top-level packages taken for the project's own, besides the file's own top-level directory
USUAL_ROOTS = frozenset({"src", "app"})
_COMMA = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def code(node: cst.CSTNode) -> str:
    return _EMPTY.code_for_node(node)


def _module_of(stmt: cst.CSTNode) -> tuple[cst.Import | cst.ImportFrom, str] | None:
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
        node = stmt.body[0]
        if isinstance(node, cst.ImportFrom):
            dots = "." * len(node.relative)
            return node, dots + (code(node.module) if node.module is not None else "")
        if isinstance(node, cst.Import):
            return node, code(node.names[0].name)
    return None


def section(module: str, first_party: set[str]) -> int:
    top = module.split(".", 1)[0]
    if top == "__future__":
        return FUTURE
    if not top or top in first_party:  # a relative import, or the file's own top-level package
        return FIRST_PARTY
    return STDLIB if top in sys.stdlib_module_names else THIRD_PARTY


def _sort_key(name: str) -> tuple[int, str]:
    """isort's order-by-type: CONSTANTS, then Classes, then functions and variables."""
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, name.lower()


def _names(node: cst.ImportFrom) -> list[str]:
    return [] if isinstance(node.names, cst.ImportStar) else [code(a.name) for a in node.names]


def has_from(module: cst.Module, source: str) -> bool:
    """A top-level `from source import ...` exists."""
    return any(
        (found := _module_of(s)) and found[1] == source and isinstance(found[0], cst.ImportFrom) for s in module.body
    )


def bound_from(module: cst.Module, source: str, name: str) -> bool:
    """`from source import name` (without alias) exists at the top level."""
    for stmt in module.body:
        found = _module_of(stmt)
        if found and isinstance(found[0], cst.ImportFrom) and found[1] == source and name in _names(found[0]):
            return True
    return False


def add_from_import(module: cst.Module, source: str, name: str, first_party: set[str]) -> cst.Module:
    """`from source import name`: joined to an existing `from source import ...`, else a new line in its section."""
    body = list(module.body)
    for i, stmt in enumerate(body):
        found = _module_of(stmt)
        if not found or not isinstance(found[0], cst.ImportFrom) or found[1] != source:
            continue
        node = found[0]
        if isinstance(node.names, cst.ImportStar):
            return module
        names = list(node.names)
        if name in _names(node):
            return module
        keys = [_sort_key(n) for n in _names(node)]
        at = len(names)
        if keys == sorted(keys):
            at = next((j for j, k in enumerate(keys) if k > _sort_key(name)), len(names))
        sep = next((a.comma for a in names[:-1] if isinstance(a.comma, cst.Comma)), _COMMA)
        alias = cst.ImportAlias(cst.Name(name))
        if at == len(names):
            trailing = names[-1].comma
            names[-1] = names[-1].with_changes(comma=trailing if isinstance(trailing, cst.Comma) else sep)
            names.append(alias.with_changes(comma=trailing))
        else:
            names.insert(at, alias.with_changes(comma=sep))
        body[i] = stmt.with_changes(body=[node.with_changes(names=names)])
        return module.with_changes(body=body)
    statement = cst.ImportFrom(module=cst.parse_expression(source), names=[cst.ImportAlias(cst.Name(name))])
    return _insert(module, cst.SimpleStatementLine([statement]), source, first_party)


def _insert(module: cst.Module, new: cst.SimpleStatementLine, source: str, first_party: set[str]) -> cst.Module:
    """Insert an import line in isort order within the leading block of imports."""
    body = list(module.body)
    start = 1 if body and _is_docstring(body[0]) else 0
    block = []  # (index, section, sort key) of the leading imports
    for i in range(start, len(body)):
        found = _module_of(body[i])
        if found is None:
            break
        kind = 0 if isinstance(found[0], cst.Import) else 1
        block.append((i, section(found[1], first_party), (kind, found[1].lower())))
    mine = section(source, first_party)
    key = (1, source.lower())
    if not block:
        at = start
        gap_before = start > 0
        new = new.with_changes(leading_lines=[cst.EmptyLine()] if gap_before else [])
        body.insert(at, new)
        if at + 1 < len(body):
            body[at + 1] = _with_blank(body[at + 1], 2 if not isinstance(body[at + 1], cst.SimpleStatementLine) else 1)
        return module.with_changes(body=body)
    same = [b for b in block if b[1] == mine]
    if same:
        after = [b for b in same if b[2] > key]
        if after:
            at = after[0][0]
            new = new.with_changes(leading_lines=body[at].leading_lines)
            body[at] = body[at].with_changes(leading_lines=[])
        else:
            at = same[-1][0] + 1
        body.insert(at, new)
        return module.with_changes(body=body)
    later = [b for b in block if b[1] > mine]
    if later:
        at = later[0][0]
        new = new.with_changes(leading_lines=body[at].leading_lines)
        body[at] = _with_blank(body[at].with_changes(leading_lines=[]), 1)
        body.insert(at, new)
        return module.with_changes(body=body)
    at = block[-1][0] + 1
    body.insert(at, new.with_changes(leading_lines=[cst.EmptyLine()]))
    return module.with_changes(body=body)


def _with_blank(stmt, count: int):
    lines = list(stmt.leading_lines)
    blanks = sum(1 for line in lines if line.comment is None)
    if blanks >= count:
        return stmt
    return stmt.with_changes(leading_lines=[*([cst.EmptyLine()] * (count - blanks)), *lines])


def _is_docstring(stmt) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


class _Names(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Import(self, node) -> bool:
        return False

    def visit_ImportFrom(self, node) -> bool:
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self.names.add(node.value.strip("'\""))  # a name listed in `__all__` stays imported


def drop_unused(module: cst.Module, source: str, names: set[str]) -> cst.Module:
    """Remove `names` from top-level `from source import ...` where nothing else refers to them."""
    visitor = _Names()
    module.visit(visitor)
    unused = names - visitor.names
    if not unused:
        return module
    body = list(module.body)
    for i, stmt in enumerate(body):
        found = _module_of(stmt)
        if not found or not isinstance(found[0], cst.ImportFrom) or found[1] != source:
            continue
        node = found[0]
        if isinstance(node.names, cst.ImportStar):
            continue
        kept = [a for a in node.names if a.asname is not None or code(a.name) not in unused]
        if len(kept) == len(node.names):
            continue
        if not kept:
            body[i] = cst.RemovalSentinel.REMOVE
            if i + 1 < len(body):
                body[i + 1] = _after_removal(stmt, body[i + 1], first=i == 0)
            continue
        last = node.names[-1].comma
        kept[-1] = kept[-1].with_changes(comma=last if isinstance(last, cst.Comma) else cst.MaybeSentinel.DEFAULT)
        lpar = node.lpar if len(kept) > 1 else None
        rpar = node.rpar if len(kept) > 1 else None
        if lpar is None:
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        body[i] = stmt.with_changes(body=[node.with_changes(names=kept, lpar=lpar, rpar=rpar)])
    return module.with_changes(body=[s for s in body if s is not cst.RemovalSentinel.REMOVE])


def _after_removal(removed, following, *, first: bool):
    """The statement after a removed one keeps the blank lines that separated the removed one's group."""
    if first or any(line.comment for line in removed.leading_lines):
        return following.with_changes(leading_lines=removed.leading_lines)
    if len(removed.leading_lines) > len(following.leading_lines):
        return following.with_changes(leading_lines=removed.leading_lines)
    return following


def drop_unused_modules(module: cst.Module, names: set[str]) -> cst.Module:
    """Remove top-level `import name` lines where nothing else refers to `name`."""
    visitor = _Names()
    module.visit(visitor)
    unused = names - visitor.names
    body = list(module.body)
    for i, stmt in enumerate(module.body):
        found = _module_of(stmt)
        node = found[0] if found else None
        single = isinstance(node, cst.Import) and len(node.names) == 1 and node.names[0].asname is None
        if single and found[1] in unused:
            body[i] = cst.RemovalSentinel.REMOVE
            if i + 1 < len(body):
                body[i + 1] = _after_removal(stmt, body[i + 1], first=i == 0)
    return module.with_changes(body=[s for s in body if s is not cst.RemovalSentinel.REMOVE])
