"""`pydantic-custom-base-model`: one app-wide base model that every schema inherits."""

from __future__ import annotations

from collections import Counter

from bp_rules.validator.analysis.pydantic_kinds import BASE_MODEL, SCHEMA, ClassKinds
from bp_rules.validator.analysis.pydantic_syntax import model_config, nested_config
from bp_rules.validator.context import FileContext
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register

MANY_SCHEMAS = 10


@register
class CustomBaseModelFacts(FileCheck):
    """Phase 1: classes that configure themselves (`model_config`, `class Config`, class keywords)."""

    rule_id = "pydantic-custom-base-model"

    def check(self, ctx: FileContext) -> None:
        configured = [
            qualname
            for qualname, node in ctx.indexer.class_nodes.items()
            if node.bases and (model_config(node) is not None or nested_config(node) is not None or node.keywords)
        ]
        if configured:
            ctx.summary.facts[self.rule_id] = configured


@register
class CustomBaseModel(ProjectCheck):
    """Card 32: schemas in `schemas` modules that subclass `BaseModel` directly although the project has a base
    model (a direct `BaseModel` subclass that classes in other modules build on); with no base at all and many
    such schemas, one finding on the first."""

    rule_id = "pydantic-custom-base-model"

    def check(self, project: Project) -> None:
        kinds = ClassKinds(project)
        configured = {q for s in project.summaries.values() for q in s.facts.get(self.rule_id, ())}
        schemas = []  # (class, summary) of Pydantic schemas outside the tests
        for cls, summary in project.classes.values():
            if kinds.kind(cls.qualname) != SCHEMA or kinds.is_table(cls.qualname) or kinds.is_in_tests(summary):
                continue
            schemas.append((cls, summary))
        direct = [(c, s) for c, s in schemas if any(b in BASE_MODEL for b in c.bases)]
        users: dict[str, set[str]] = {}  # class -> modules with a subclass of it
        for cls, summary in schemas:
            for base in cls.bases:
                found = kinds.find(base)
                if found is not None and found[1].module != summary.module:
                    users.setdefault(found[0].qualname, set()).add(summary.module)
        subclasses = Counter(
            found[0].qualname for cls, _ in schemas for base in cls.bases if (found := kinds.find(base)) is not None
        )
        bases = [c for c, _ in direct if c.qualname in users]
        api_facing = _imported_by_routes(project)
        candidates = [
            (c, s)
            for c, s in direct
            if kinds.in_schemas_module(s)
            and c.qualname not in users
            and c.qualname not in configured
            and not c.nested
            and (c.qualname in api_facing or s.module in api_facing)
        ]
        if bases:
            # the project's base model is the one most schemas build on, not the one most modules import
            base = max(bases, key=lambda c: (subclasses[c.qualname], len(users[c.qualname]), c.qualname))
            for cls, summary in candidates:
                project.report(
                    self.rule_id,
                    summary.path,
                    cls.span,
                    f"schema `{cls.name}` subclasses `BaseModel` directly and misses the project's shared "
                    f"configuration; inherit `{base.name}` instead",
                )
        elif len(candidates) >= MANY_SCHEMAS:
            cls, summary = min(candidates, key=lambda cs: (cs[1].path, cs[0].span))
            project.report(
                self.rule_id,
                summary.path,
                cls.span,
                f"the project has {len(candidates)} schemas on `BaseModel` and no shared base model; create one "
                "(e.g. `CustomModel` in `src/models.py`) and make every schema inherit it",
            )


def _imported_by_routes(project: Project) -> set[str]:
    """What modules with routes import (names and modules), plus those modules themselves: a schema nobody
    serving a route reads is an internal payload (an e-mail renderer's props, a queue message), free of the
    API's conventions."""
    out: set[str] = set()
    for summary in project.summaries.values():
        if any(project.is_route(fn) for fn in summary.functions) or summary.route_endpoints:
            out.add(summary.module)
            out.update(project.canonical(imp.module) for imp in summary.imports)
    return out
