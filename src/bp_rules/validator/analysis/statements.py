"""Shapes of libcst statements and calls that several checks read: the called name, a class's simple
statements, a `name = value` assignment."""

from __future__ import annotations

import libcst as cst


def call_last(node: cst.Call) -> str:
    """The called name as written, last part only: `Table` for `sa.Table(...)`."""
    func = node.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else ""


def class_statements(node: cst.ClassDef) -> list[cst.BaseSmallStatement]:
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    out: list[cst.BaseSmallStatement] = []
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            out.extend(stmt.body)
    return out


def assigned_name(stmt: cst.BaseSmallStatement) -> tuple[cst.Name, cst.BaseExpression | None] | None:
    """(target, value) of `name = value` or `name: T [= value]`."""
    if isinstance(stmt, cst.AnnAssign) and isinstance(stmt.target, cst.Name):
        return stmt.target, stmt.value
    if isinstance(stmt, cst.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0].target, cst.Name):
        return stmt.targets[0].target, stmt.value
    return None


def class_body(node: cst.ClassDef) -> list[cst.BaseStatement]:
    return list(node.body.body) if isinstance(node.body, cst.IndentedBlock) else []


def small_statements(node: cst.ClassDef):
    for stmt in class_body(node):
        if isinstance(stmt, cst.SimpleStatementLine):
            yield from stmt.body
