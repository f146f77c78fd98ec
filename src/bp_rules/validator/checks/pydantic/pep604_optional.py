"""`pydantic-pep604-optional`: nullable schema fields are annotated `X | None`, not `Optional[X]`."""

from __future__ import annotations

import libcst as cst

from bp_rules.validator.analysis.pydantic_kinds import ClassKinds
from bp_rules.validator.analysis.pydantic_syntax import OPTIONAL, UNION, code, field_statements, is_none
from bp_rules.validator.context import FileContext
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register


@register
class Pep604OptionalFacts(FileCheck):
    """Phase 1: `Optional[X]` / `Union[X, None]` in class bodies; phase 2 keeps those of Pydantic models."""

    rule_id = "pydantic-pep604-optional"

    def check(self, ctx: FileContext) -> None:
        facts = []
        for qualname, node in ctx.indexer.class_nodes.items():
            if not node.bases:
                continue
            for name, stmt in field_statements(node):
                found = _optional(ctx, stmt.annotation.annotation)
                if found is not None:
                    subscript, suggestion = found
                    facts.append([qualname, name, code(subscript), suggestion, ctx.fact_span(subscript)])
        if facts:
            ctx.summary.facts[self.rule_id] = facts


def _optional(ctx: FileContext, expr: cst.BaseExpression) -> tuple[cst.Subscript, str] | None:
    if isinstance(expr, cst.Subscript):
        name = ctx.qualify(expr.value)
        elements = [e.slice.value for e in expr.slice if isinstance(e.slice, cst.Index)]
        if name in OPTIONAL and len(elements) == 1:
            return expr, f"{code(elements[0])} | None"
        if name in UNION and any(is_none(e) for e in elements):
            rest = [code(e) for e in elements if not is_none(e)]
            return expr, " | ".join([*rest, "None"])
        for element in elements:
            found = _optional(ctx, element)
            if found is not None:
                return found
    elif isinstance(expr, cst.BinaryOperation):
        return _optional(ctx, expr.left) or _optional(ctx, expr.right)
    return None


@register
class Pep604Optional(ProjectCheck):
    rule_id = "pydantic-pep604-optional"

    def check(self, project: Project) -> None:
        kinds = ClassKinds(project)
        for summary in project.summaries.values():
            for qualname, field, written, suggestion, span in summary.facts.get(self.rule_id, ()):
                if kinds.is_model(qualname):
                    project.report(
                        self.rule_id,
                        summary.path,
                        tuple(span),
                        f"`{field}: {written}` in `{qualname.rsplit('.', 1)[-1]}`: write `{suggestion}`",
                    )
