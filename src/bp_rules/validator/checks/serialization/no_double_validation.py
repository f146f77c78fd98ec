"""`serialization-no-double-validation`: a route returns a built instance of a response model whose
`mode="after"` or `mode="wrap"` model validators FastAPI then runs a second time.

With Pydantic v2, FastAPI validates a returned instance of the response model without dumping it
(`revalidate_instances="never"`): field validators and `mode="before"` model validators do not run again,
`after` and `wrap` model validators do, on the model and on every model nested in it. So only those models
are reported. Phase 1 records, per file, the models' after/wrap validators, the types their fields name and
the instances routes return; phase 2 follows bases and nested fields across the project.
"""

from __future__ import annotations

import libcst as cst

from bp_rules.validator.analysis.phase_facts import read, record
from bp_rules.validator.analysis.pydantic_kinds import ClassKinds
from bp_rules.validator.analysis.pydantic_syntax import MODEL_VALIDATORS, decorators, field_statements
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import dotted, keyword_arg, string_value
from bp_rules.validator.names import ROUTE_METHODS
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register
from bp_rules.validator.summary import Function

RULE = "serialization-no-double-validation"
RERUN_MODES = ("after", "wrap")
LIST_TYPES = ("list", "List", "typing.List", "Sequence", "collections.abc.Sequence", "typing.Sequence")
MAX_DEPTH = 8


@register
class ReturnedInstances(FileCheck):
    """Phase 1: after/wrap model validators, field types, and the response-model instances routes return."""

    rule_id = RULE
    node_types = (cst.Return, cst.FunctionDef)

    def check(self, ctx: FileContext) -> None:
        self._validators(ctx)
        self._fields(ctx)
        self._returns(ctx)

    def _validators(self, ctx: FileContext) -> None:
        for fn in ctx.summary.functions:
            if fn.in_class is None or fn.nested:
                continue
            node = ctx.function_node(fn)
            for name, dec in decorators(ctx, node, None):
                mode = _mode(dec.decorator) if name in MODEL_VALIDATORS else None
                if mode in RERUN_MODES:
                    record(ctx, RULE, "validator", fn.qualname.rsplit(".", 1)[0], fn.name, mode)

    def _fields(self, ctx: FileContext) -> None:
        for qualname, node in ctx.indexer.class_nodes.items():
            names: set[str] = set()
            for _field, stmt in field_statements(node):
                names.update(_type_names(ctx, stmt.annotation.annotation))
            if names:
                record(ctx, RULE, "fields", qualname, sorted(names))

    def _returns(self, ctx: FileContext) -> None:
        returns: dict[str, list[cst.Return]] = {}
        for node, scope in ctx.nodes(cst.Return):
            if scope is not None:
                returns.setdefault(scope.info.qualname, []).append(node)
        for fn in ctx.summary.functions:
            if not ctx.is_route(fn) or fn.qualname not in returns:
                continue
            model, is_list = _response_model(ctx, fn)
            if not model:
                continue
            for ret in returns[fn.qualname]:
                built = ret.value.elt if is_list and isinstance(ret.value, cst.ListComp) else ret.value
                if (is_list and not isinstance(ret.value, cst.ListComp)) or not _builds(ctx, built, model):
                    continue
                record(ctx, RULE, "returns", fn.name, model, ctx.fact_span(ret.value))


@register
class RerunValidators(ProjectCheck):
    """Phase 2: report a returned instance whose model, a base of it or a nested model re-runs validators."""

    rule_id = RULE

    def check(self, project: Project) -> None:
        kinds = ClassKinds(project)
        validators: dict[str, list[tuple[str, str]]] = {}
        fields: dict[str, list[str]] = {}
        for summary in project.summaries.values():
            for kind, *rest in read(summary, RULE):
                if kind == "validator":
                    owner, method, mode = rest
                    validators.setdefault(owner, []).append((method, mode))
                elif kind == "fields":
                    fields[rest[0]] = rest[1]
        rerun = _Rerun(kinds, validators, fields, kinds.api_base_models())
        for summary in project.summaries.values():
            for kind, *rest in read(summary, RULE):
                if kind != "returns":
                    continue
                route, model, span = rest
                found = kinds.find(model)
                hit = rerun.first(found[0].qualname, 0, set()) if found else None
                if hit is None:
                    continue
                owner, method, mode = hit
                short = model.rsplit(".", 1)[-1]
                where = "" if owner == found[0].qualname else f" (on `{owner.rsplit('.', 1)[-1]}`)"
                project.report(
                    RULE,
                    summary.path,
                    tuple(span),
                    f"route `{route}` returns an instance of `{short}`, so FastAPI runs its "
                    f'`mode="{mode}"` model validator `{method}`{where} a second time; return the row or '
                    f"dict and let FastAPI validate it once, or keep that validator free of side effects",
                )


class _Rerun:
    """Finds an after/wrap model validator on a model, its project bases, or the models its fields name."""

    def __init__(
        self,
        kinds: ClassKinds,
        validators: dict[str, list[tuple[str, str]]],
        fields: dict[str, list[str]],
        api_bases: frozenset[str],
    ):
        self.kinds = kinds
        self.validators = validators
        self.fields = fields
        # a validator on the base every schema inherits normalises fields of any model (naive datetimes to
        # UTC) and is meant to run on each: only validators of the model or another ancestor are reported
        self.api_bases = api_bases

    def first(self, qualname: str, depth: int, seen: set[str]) -> tuple[str, str, str] | None:
        if qualname in seen or depth > MAX_DEPTH or not self.kinds.is_model(qualname):
            return None
        seen.add(qualname)
        for owner in self.kinds.project_bases(qualname):
            if owner in self.api_bases:
                continue
            for method, mode in self.validators.get(owner, ()):
                return owner, method, mode
        for owner in self.kinds.project_bases(qualname):
            for name in self.fields.get(owner, ()):
                found = self.kinds.find(name)
                hit = self.first(found[0].qualname, depth + 1, seen) if found else None
                if hit is not None:
                    return hit
        return None


def _mode(decorator: cst.BaseExpression) -> str | None:
    if not isinstance(decorator, cst.Call):
        return None
    arg = keyword_arg(decorator, "mode")
    if arg is None and decorator.args and decorator.args[0].keyword is None:
        arg = decorator.args[0]
    return string_value(arg.value) if arg is not None else None


def _type_names(ctx: FileContext, annotation: cst.BaseExpression) -> set[str]:
    """Every name an annotation mentions (`list[PostOut] | None` gives `PostOut`, `list`, `None`)."""
    out: set[str] = set()
    todo: list[cst.CSTNode] = [annotation]
    while todo:
        node = todo.pop()
        if isinstance(node, cst.Name | cst.Attribute):
            name = ctx.qualify(node)
            if name:
                out.add(name)
            continue
        todo.extend(node.children)
    return out


def _response_model(ctx: FileContext, fn: Function) -> tuple[str, bool]:
    node = ctx.function_node(fn)
    for call, method in ctx.method_decorators(fn):
        if method not in ROUTE_METHODS:
            continue
        arg = keyword_arg(call, "response_model")
        if arg is not None:
            return _model_of(ctx, arg.value)
    if node.returns is not None:
        return _model_of(ctx, node.returns.annotation)
    return "", False


def _model_of(ctx: FileContext, expr: cst.BaseExpression) -> tuple[str, bool]:
    if isinstance(expr, cst.Subscript) and dotted(expr.value) in LIST_TYPES:
        first = expr.slice[0].slice if expr.slice else None
        if isinstance(first, cst.Index):
            return ctx.qualify(first.value), True
        return "", False
    return ctx.qualify(expr), False


def _builds(ctx: FileContext, value: cst.BaseExpression | None, model: str) -> bool:
    """`M(...)`, `M.model_validate(...)` or `M.model_construct(...)` for the response model `M`."""
    if not isinstance(value, cst.Call):
        return False
    if ctx.qualify(value.func) == model:
        return True
    func = value.func
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value in ("model_validate", "model_construct")
        and ctx.qualify(func.value) == model
    )
