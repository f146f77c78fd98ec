"""`pydantic-union-members-forbid-extra`: the members of a union of schemas, one a subset of another, forbid
extra fields (or the union is discriminated)."""

from __future__ import annotations

import libcst as cst

from bp_rules.validator.analysis.pydantic_kinds import ClassKinds
from bp_rules.validator.analysis.pydantic_syntax import (
    ANNOTATED,
    OPTIONAL,
    UNION,
    field_statements,
    forbids_extra,
    is_classvar,
    is_none,
    is_required,
)
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import keyword_arg
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register


@register
class UnionMembersFacts(FileCheck):
    """Phase 1: each class's annotated fields (required or not) and `extra="forbid"`, and union fields."""

    rule_id = "pydantic-union-members-forbid-extra"

    def check(self, ctx: FileContext) -> None:
        classes = {}
        unions = []
        for qualname, node in ctx.indexer.class_nodes.items():
            if not node.bases:
                continue
            fields = []
            for name, stmt in field_statements(node):
                if is_classvar(ctx, stmt) or name == "model_config":
                    continue
                fields.append([name, is_required(ctx, stmt)])
                members = _union_members(ctx, stmt)
                if members:
                    unions.append([qualname, name, members, ctx.fact_span(stmt.annotation.annotation)])
            classes[qualname] = [fields, forbids_extra(ctx, node)]
        if classes:
            ctx.summary.facts[self.rule_id] = [classes, unions]


def _union_members(ctx: FileContext, stmt: cst.AnnAssign) -> list[str]:
    """The qualified member names of a non-discriminated union of classes annotating a field."""
    if isinstance(stmt.value, cst.Call) and keyword_arg(stmt.value, "discriminator") is not None:
        return []
    ann = stmt.annotation.annotation
    if isinstance(ann, cst.Subscript) and ctx.qualify(ann.value) in ANNOTATED:
        elements = [e.slice.value for e in ann.slice if isinstance(e.slice, cst.Index)]
        for meta in elements[1:]:
            if isinstance(meta, cst.Call) and keyword_arg(meta, "discriminator") is not None:
                return []
        ann = elements[0] if elements else ann
    members = [m for m in _union_parts(ctx, ann) if not is_none(m)]
    if len(members) < 2 or not all(isinstance(m, (cst.Name, cst.Attribute)) for m in members):
        return []
    names = [ctx.qualify(m) for m in members]
    return names if all(names) and not any(n.startswith("builtins.") for n in names) else []


def _union_parts(ctx: FileContext, ann: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(ann, cst.BinaryOperation) and isinstance(ann.operator, cst.BitOr):
        return _union_parts(ctx, ann.left) + _union_parts(ctx, ann.right)
    if isinstance(ann, cst.Subscript) and ctx.qualify(ann.value) in UNION | OPTIONAL:
        out: list[cst.BaseExpression] = []
        for e in ann.slice:
            if isinstance(e.slice, cst.Index):
                out += _union_parts(ctx, e.slice.value)
        return out
    return [ann]


@register
class UnionMembersForbidExtra(ProjectCheck):
    rule_id = "pydantic-union-members-forbid-extra"

    def check(self, project: Project) -> None:
        kinds = ClassKinds(project)
        classes: dict[str, list] = {}
        unions = []
        for summary in project.summaries.values():
            data = summary.facts.get(self.rule_id)
            if data:
                classes.update(data[0])
                unions += [(summary, *u) for u in data[1]]
        for summary, owner, field, members, span in unions:
            if not kinds.is_model(owner):
                continue
            resolved = [kinds.find(m) for m in members]
            if any(r is None or not kinds.is_model(r[0].qualname) for r in resolved):
                continue
            shapes = [self._shape(kinds, classes, r[0].qualname) for r in resolved]
            if any(s is None for s in shapes):
                continue
            pair = self._swallowing_pair(resolved, shapes)
            if pair is None:
                continue
            small, rich = pair
            project.report(
                self.rule_id,
                summary.path,
                tuple(span),
                f"in the union of `{field}`, `{small}` accepts a subset of `{rich}`'s fields, so a `{rich}` "
                f'payload that fails validation silently becomes a `{small}`; set `extra="forbid"` on the '
                "members or make it a discriminated union",
            )

    @staticmethod
    def _shape(kinds: ClassKinds, classes: dict[str, list], qualname: str) -> tuple[dict[str, bool], bool] | None:
        """The fields (name -> required) of a class with its project bases, and whether it forbids extras."""
        fields: dict[str, bool] = {}
        forbid = False
        for name in reversed(kinds.project_bases(qualname)):
            data = classes.get(name)
            if data is None:
                return None
            for field, required in data[0]:
                fields[field] = required
            forbid = forbid or data[1]
        cls = kinds.project.classes[qualname][0]
        forbid = forbid or any(k == "extra" and "forbid" in v for k, v in cls.keywords)
        return fields, forbid

    @staticmethod
    def _swallowing_pair(resolved, shapes) -> tuple[str, str] | None:
        for (small_cls, _), (small, small_forbids) in zip(resolved, shapes, strict=True):
            if small_forbids:
                continue
            for (rich_cls, _), (rich, _rich_forbids) in zip(resolved, shapes, strict=True):
                if rich_cls is small_cls or not set(small) < set(rich):
                    continue
                if any(rich[f] for f in set(rich) - set(small)):
                    return small_cls.name, rich_cls.name
        return None
