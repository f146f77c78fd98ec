"""`pydantic-custom-base-model`: one app-wide base model that every schema inherits."""

from __future__ import annotations

import contextlib
from collections import Counter

import libcst as cst

from bp_rules.validator.analysis.pydantic_kinds import BASE_MODEL, SCHEMA, ClassKinds
from bp_rules.validator.analysis.pydantic_syntax import model_config, nested_config
from bp_rules.validator.context import FileContext
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register

MANY_SCHEMAS = 10


@register
class CustomBaseModelFacts(FileCheck):
    """Phase 1: classes that configure themselves (`model_config`, `class Config`, class keywords), and the
    names the file's routes read or return."""

    rule_id = "pydantic-custom-base-model"

    def check(self, ctx: FileContext) -> None:
        configured = [
            qualname
            for qualname, node in ctx.indexer.class_nodes.items()
            if node.bases and (model_config(node) is not None or nested_config(node) is not None or node.keywords)
        ]
        read = sorted(_route_signature_names(ctx))
        if configured or read:
            ctx.summary.facts[self.rule_id] = [configured, read]


ROUTE_TYPE_KEYWORDS = frozenset({"response_model", "responses"})


def _route_signature_names(ctx: FileContext) -> set[str]:
    """What the file's routes name in their signatures: parameter and return annotations, and the decorator's
    `response_model=`/`responses=` (`ListResource[PostOut]` names `ListResource` and `PostOut`)."""
    endpoints = {endpoint for endpoint, _ in ctx.summary.route_endpoints}
    out: set[str] = set()
    for fn in ctx.summary.functions:
        if not fn.routes and fn.qualname not in endpoints and fn.name not in endpoints:
            continue
        node = ctx.function_node(fn)
        params = node.params
        exprs = [
            p.annotation.annotation
            for p in (*params.posonly_params, *params.params, *params.kwonly_params)
            if p.annotation is not None
        ]
        if node.returns is not None:
            exprs.append(node.returns.annotation)
        for decorator in node.decorators:
            if isinstance(decorator.decorator, cst.Call):
                exprs += [
                    arg.value
                    for arg in decorator.decorator.args
                    if arg.keyword is not None and arg.keyword.value in ROUTE_TYPE_KEYWORDS
                ]
        for expr in exprs:
            out.update(name for node in _type_names(expr) if (name := ctx.qualify(node)))
    return out


def _type_names(expr: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The names and dotted names inside a type expression, and inside string (forward) annotations."""
    found: list[cst.BaseExpression] = []

    class Names(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> bool:
            found.append(node)
            return False

        def visit_Name(self, node: cst.Name) -> bool:
            found.append(node)
            return False

        def visit_SimpleString(self, node: cst.SimpleString) -> bool:
            value = node.evaluated_value
            if isinstance(value, str):
                with contextlib.suppress(cst.ParserSyntaxError):
                    found.extend(_type_names(cst.parse_expression(value)))
            return False

    expr.visit(Names())
    return found


@register
class CustomBaseModel(ProjectCheck):
    """Card 32: schemas in `schemas` modules that subclass `BaseModel` directly although the project has a base
    model (a direct `BaseModel` subclass that classes in other modules build on); with no base at all and many
    such schemas, one finding on the first."""

    rule_id = "pydantic-custom-base-model"

    def check(self, project: Project) -> None:
        kinds = ClassKinds(project)
        facts = [s.facts[self.rule_id] for s in project.summaries.values() if s.facts.get(self.rule_id)]
        configured = {q for fact in facts for q in fact[0]}
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
        read = {project.canonical(name) for fact in facts for name in fact[1]}
        read_modules = _read_by_routes(project)
        candidates = [
            (c, s)
            for c, s in direct
            if kinds.in_schemas_module(s)
            and c.qualname not in users
            and c.qualname not in configured
            and not c.nested
            and (c.qualname in read or s.module in read_modules)
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


def _read_by_routes(project: Project) -> set[str]:
    """Modules whose schemas routes read: the modules with routes, and the modules they import whole
    (`from src.posts import schemas`, then `schemas.PostOut`). A class imported by name counts only where a
    route's signature names it: a route module that builds an e-mail's payload to send it does not read it,
    and a schema nobody serving a route reads is an internal payload, free of the API's conventions."""
    out: set[str] = set()
    for summary in project.summaries.values():
        if any(project.is_route(fn) for fn in summary.functions) or summary.route_endpoints:
            out.add(summary.module)
            out.update(name for imp in summary.imports if (name := project.canonical(imp.module)) in project.module_of)
    return out
