"""Classes that declare a database table (`__tablename__` / `__table__`) and abstract declarative mixins,
recorded in phase 1 and read back in phase 2 by the placement and structure checks."""

from __future__ import annotations

import libcst as cst

from bp_rules.validator.context import FileContext
from bp_rules.validator.project import Project


def record_table_classes(ctx: FileContext, rule_id: str) -> None:
    """Records classes that declare `__tablename__`/`__table__` (mapped, whatever their base resolves to) and
    `__abstract__ = True` classes (declarative mixins, not tables)."""
    for qualname, node in ctx.indexer.class_nodes.items():
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
        for stmt in body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                if not isinstance(small, (cst.Assign, cst.AnnAssign)):
                    continue
                targets = assign_targets(small)
                if any(target_is(t, "__tablename__") or target_is(t, "__table__") for t in targets):
                    ctx.summary.facts.setdefault(rule_id, []).append(["table", qualname])
                elif (
                    any(target_is(t, "__abstract__") for t in targets)
                    and isinstance(small.value, cst.Name)
                    and small.value.value == "True"
                ):
                    ctx.summary.facts.setdefault(rule_id, []).append(["abstract", qualname])


def table_facts(project: Project, rule_id: str) -> tuple[frozenset[str], frozenset[str]]:
    """(classes declaring a table, abstract classes) recorded by `record_table_classes`."""
    found: dict[str, set[str]] = {"table": set(), "abstract": set()}
    for summary in project.summaries.values():
        for fact in summary.facts.get(rule_id, []):
            if fact and fact[0] in found:
                found[fact[0]].add(fact[1])
    return frozenset(found["table"]), frozenset(found["abstract"])


def assign_targets(node: cst.Assign | cst.AnnAssign):
    return [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]


def target_is(target: cst.BaseExpression, name: str) -> bool:
    return isinstance(target, cst.Name) and target.value == name
