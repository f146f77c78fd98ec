"""Pydantic schema checks: validators, enums, optional fields, v1 APIs, the project base model, unions.

Checks that must know whether a class is a Pydantic model record what they saw in phase 1 as facts and
decide in phase 2, where the class's bases resolve across the project (`pydantic_kinds`).
"""

from __future__ import annotations

import re
from collections import Counter

import libcst as cst

from bp_rules.validator.analysis.migration_files import is_migration
from bp_rules.validator.analysis.pydantic_kinds import BASE_MODEL, SCHEMA, ClassKinds
from bp_rules.validator.analysis.pydantic_syntax import (
    ANNOTATED,
    CONFIG_DICTS,
    ENUM,
    FIELD_VALIDATORS,
    HTTP_EXCEPTIONS,
    OPTIONAL,
    PYTHON_ONLY_REGEX,
    UNION,
    V1_CONFIG_KEYS,
    V1_METHODS,
    V1_ONLY_METHODS,
    V1_ROOT_VALIDATORS,
    V1_VALIDATORS,
    code,
    decorators,
    docstring_free_body,
    field_statements,
    forbids_extra,
    function_of,
    is_classvar,
    is_required,
    model_config,
    nested_config,
    only_statement,
    single_small,
    validator_decorator,
)
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import keyword_arg, positional, string_value
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register

# --- shared phase-1 helpers -----------------------------------------------------------------------------


# --- pydantic-builtin-constraints -----------------------------------------------------------------------


@register
class BuiltinConstraints(FileCheck):
    rule_id = "pydantic-builtin-constraints"
    node_types = (cst.FunctionDef,)

    def check(self, ctx: FileContext) -> None:
        if ctx.placement.in_tests:
            return  # a test's model exercises a validator on purpose
        functions = function_of(ctx)
        for node, scope in ctx.nodes(cst.FunctionDef):
            fn = functions.get(id(node))
            if fn is None or fn.in_class is None:
                continue
            found = validator_decorator(ctx, node, scope)
            if found is None or found[0] not in FIELD_VALIDATORS | V1_VALIDATORS | {"pydantic.v1.validator"}:
                continue
            dec = found[1].decorator
            if not self._after_mode(dec):
                continue
            value = _value_param(node)
            body = docstring_free_body(node)
            if value is None or len(body) != 2 or not isinstance(body[0], cst.If) or body[0].orelse is not None:
                continue
            ret = single_small(body[1])
            if not (isinstance(ret, cst.Return) and isinstance(ret.value, cst.Name) and ret.value.value == value):
                continue
            message = self._value_error_message(ctx, body[0].body)
            if message is None or _several_conditions(message):
                continue
            constraint = _constraint(ctx, body[0].test, value)
            if constraint is None:
                continue
            names = [a.value for a in dec.args if a.keyword is None] if isinstance(dec, cst.Call) else []
            fields = [f for f in map(string_value, names) if f]
            field = f"`{fields[0]}`" if len(fields) == 1 else "the field"
            if constraint.startswith("`Literal"):
                fix = f"type {field} as {constraint} or a `StrEnum`"
            else:
                fix = f"put {constraint} on {field}"
            ctx.report_at(
                self.rule_id,
                fn,
                f"validator `{fn.name}` only re-implements a built-in constraint; {fix} instead, where the "
                "OpenAPI schema shows it",
            )

    @staticmethod
    def _after_mode(dec: cst.BaseExpression) -> bool:
        if not isinstance(dec, cst.Call):
            return True
        mode = keyword_arg(dec, "mode")
        if mode is not None and string_value(mode.value) not in (None, "after"):
            return False
        for name in ("pre", "each_item"):
            arg = keyword_arg(dec, name)
            if arg is not None and not (isinstance(arg.value, cst.Name) and arg.value.value == "False"):
                return False
        return True

    @staticmethod
    def _value_error_message(ctx: FileContext, block: cst.BaseSuite) -> str | None:
        stmt = only_statement(block)
        if not isinstance(stmt, cst.Raise) or not isinstance(stmt.exc, cst.Call):
            return None
        if ctx.qualify(stmt.exc.func) != "builtins.ValueError":
            return None
        first = positional(stmt.exc, 0)
        if first is None:
            return ""
        if isinstance(first.value, cst.FormattedString):
            return "".join(p.value for p in first.value.parts if isinstance(p, cst.FormattedStringText))
        text = string_value(first.value)
        return text if text is not None else None


def _value_param(node: cst.FunctionDef) -> str | None:
    names = [p.name.value for p in (*node.params.posonly_params, *node.params.params)]
    if names and names[0] in ("cls", "self"):
        names = names[1:]
    return names[0] if names else None


def _several_conditions(message: str) -> bool:
    """A message that explains several requirements at once is why the validator exists (card 27)."""
    return bool(re.search(r",|;| and |\n", re.sub(r"\bbetween \S+ and \S+", "", message)))


def _is_value(node: cst.BaseExpression, value: str) -> bool:
    return isinstance(node, cst.Name) and node.value == value


def _limit(node: cst.BaseExpression) -> str | None:
    """A literal number, or an UPPER_CASE constant: the limit a constraint can take."""
    if isinstance(node, (cst.Integer, cst.Float)):
        return node.value
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        inner = _limit(node.expression)
        return f"-{inner}" if inner and not inner.startswith("-") else None
    if isinstance(node, cst.Name) and node.value.isupper():
        return node.value
    if isinstance(node, cst.Attribute) and node.attr.value.isupper():
        return code(node)
    return None


_FLIP = {cst.LessThan: cst.GreaterThan, cst.GreaterThan: cst.LessThan,
         cst.LessThanEqual: cst.GreaterThanEqual, cst.GreaterThanEqual: cst.LessThanEqual}  # fmt: skip
# a test that *rejects* the value -> the constraint that *accepts* it
_NUMBER = {cst.LessThan: "ge", cst.LessThanEqual: "gt", cst.GreaterThan: "le", cst.GreaterThanEqual: "lt"}
_LENGTH = {cst.LessThan: "min_length", cst.GreaterThan: "max_length"}


def _constraint(ctx: FileContext, test: cst.BaseExpression, value: str) -> str | None:
    """What `Field(...)` (or type) expresses a rejecting `if` test on the validated value; None if no shape fits."""
    parts = _constraint_parts(ctx, test, value)
    if not parts:
        return None
    if parts[0].startswith(("Literal", "Field(pattern")):
        return f"`{parts[0]}`" if len(parts) == 1 else None
    return f"`Field({', '.join(parts)})`"


def _constraint_parts(ctx: FileContext, test: cst.BaseExpression, value: str) -> list[str] | None:
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.Or):
        left = _constraint_parts(ctx, test.left, value)
        right = _constraint_parts(ctx, test.right, value)
        if not left or not right or any(p.startswith(("Literal", "Field(")) for p in left + right):
            return None
        return left + right
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        pattern = _regex_match(ctx, test.expression, value)
        return [f'Field(pattern=r"{pattern}")'] if pattern else None
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return None
    left, comp = test.left, test.comparisons[0]
    op, right = type(comp.operator), comp.comparator
    if op is cst.NotIn and _is_value(left, value) and isinstance(right, (cst.Set, cst.List, cst.Tuple)):
        items = [el.value for el in right.elements if isinstance(el, cst.Element)]
        if items and all(isinstance(i, (cst.SimpleString, cst.Integer)) for i in items):
            return [f"Literal[{', '.join(code(i) for i in items)}]"]
        return None
    if op is cst.Is and isinstance(right, cst.Name) and right.value == "None":
        pattern = _regex_match(ctx, left, value)
        return [f'Field(pattern=r"{pattern}")'] if pattern else None
    if op not in _FLIP and op not in (cst.NotEqual,):
        return None
    if _limit(left) is not None and op in _FLIP:  # `120 < len(value)`
        left, right, op = right, left, _FLIP[op]
    limit = _limit(right)
    if limit is None:
        return None
    is_len = (
        isinstance(left, cst.Call)
        and ctx.qualify(left.func) == "builtins.len"
        and len(left.args) == 1
        and _is_value(left.args[0].value, value)
    )
    if is_len:
        if op is cst.NotEqual:
            return [f"min_length={limit}", f"max_length={limit}"]
        if op in _LENGTH:
            return [f"{_LENGTH[op]}={limit}"]
        if limit.isdigit():  # `len(v) >= 121` -> max_length=120, `len(v) <= 2` -> min_length=3
            n = int(limit)
            return [f"max_length={n - 1}"] if op is cst.GreaterThanEqual else [f"min_length={n + 1}"]
        return None
    if _is_value(left, value) and op in _NUMBER:
        return [f"{_NUMBER[op]}={limit}"]
    return None


def _regex_match(ctx: FileContext, node: cst.BaseExpression, value: str) -> str | None:
    """`re.match(r"...", value)` (or fullmatch/search) with a literal pattern Pydantic's engine accepts."""
    if not isinstance(node, cst.Call) or len(node.args) != 2:
        return None
    if ctx.qualify(node.func) not in ("re.match", "re.fullmatch", "re.search"):
        return None
    pattern = string_value(node.args[0].value)
    if pattern is None or not _is_value(node.args[1].value, value) or PYTHON_ONLY_REGEX.search(pattern):
        return None
    return pattern


# --- pydantic-valueerror-in-validators ------------------------------------------------------------------


@register
class ValueErrorInValidators(FileCheck):
    rule_id = "pydantic-valueerror-in-validators"
    node_types = (cst.Raise, cst.Assert)

    def check(self, ctx: FileContext) -> None:
        for node_type in (cst.Raise, cst.Assert):
            for node, scope in ctx.nodes(node_type):
                if scope is None or scope.info.in_class is None:
                    continue
                if validator_decorator(ctx, scope.node, scope.parent) is None:
                    continue
                name = scope.info.name
                if isinstance(node, cst.Assert):
                    ctx.report(
                        self.rule_id,
                        node,
                        f"validator `{name}` validates with `assert`, which `python -O` strips; "
                        'use `if ...: raise ValueError("...")`',
                    )
                    continue
                exc = node.exc.func if isinstance(node.exc, cst.Call) else node.exc
                qualified = ctx.qualify(exc, scope) if exc is not None else ""
                if qualified in HTTP_EXCEPTIONS:
                    ctx.report(
                        self.rule_id,
                        node,
                        f"validator `{name}` raises `HTTPException`, which skips Pydantic's 422 with the field's "
                        'location; raise `ValueError("...")` instead',
                    )


# --- pydantic-strenum -----------------------------------------------------------------------------------


@register
class StrEnum(FileCheck):
    rule_id = "pydantic-strenum"

    def check(self, ctx: FileContext) -> None:
        if is_migration(ctx):
            return  # a revision keeps the enum it was written with
        methods = {fn.qualname for fn in ctx.summary.functions if fn.in_class}
        for cls in ctx.summary.classes:
            if "builtins.str" not in cls.bases or not any(b in ENUM for b in cls.bases):
                continue
            if cls.name == "StrEnum":
                continue  # the project's own StrEnum (a base for Python 3.10): "inherit StrEnum" says nothing
            if f"{cls.qualname}.__str__" in methods or f"{cls.qualname}.__format__" in methods:
                why = " and patches `__str__` to get its value back"
            else:
                why = f", so f-strings print `{cls.name}.MEMBER` on Python 3.11+"
            ctx.report_at(
                self.rule_id,
                cls,
                f"enum `{cls.name}` mixes `str` into `Enum`{why}; declare `class {cls.name}(StrEnum)`",
            )


# --- pydantic-pep604-optional ---------------------------------------------------------------------------


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
        if name in UNION and any(_is_none(e) for e in elements):
            rest = [code(e) for e in elements if not _is_none(e)]
            return expr, " | ".join([*rest, "None"])
        for element in elements:
            found = _optional(ctx, element)
            if found is not None:
                return found
    elif isinstance(expr, cst.BinaryOperation):
        return _optional(ctx, expr.left) or _optional(ctx, expr.right)
    return None


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


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


# --- pydantic-no-v1-api ---------------------------------------------------------------------------------


@register
class NoV1ApiSyntax(FileCheck):
    """Phase 1: v1 validator decorators and renamed config keys (the names say it all)."""

    rule_id = "pydantic-no-v1-api"
    node_types = (cst.FunctionDef, cst.Call)

    def check(self, ctx: FileContext) -> None:
        for node, scope in ctx.nodes(cst.FunctionDef):
            for name, dec in decorators(ctx, node, scope):
                if name in V1_VALIDATORS:
                    ctx.report(
                        self.rule_id,
                        dec.decorator,
                        f"`@validator` on `{node.name.value}` is Pydantic v1 API; use `@field_validator` "
                        "(with `@classmethod`)",
                    )
                elif name in V1_ROOT_VALIDATORS:
                    ctx.report(
                        self.rule_id,
                        dec.decorator,
                        f"`@root_validator` on `{node.name.value}` is Pydantic v1 API; use "
                        '`@model_validator(mode="before")` or `(mode="after")`',
                    )
        for node, scope in ctx.nodes(cst.Call):
            func = node.func
            last = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
            if last in V1_ONLY_METHODS and not ctx.qualify(func, scope):
                # a receiver of unknown type (`plugin.schema.parse_raw(...)`); known models are phase 2's
                ctx.report(self.rule_id, node, f"`.{last}()` is Pydantic v1 API; use {V1_METHODS[last]}")
                continue
            if not str(last).endswith("ConfigDict") or ctx.qualify(func, scope) not in CONFIG_DICTS:
                continue
            for arg in node.args:
                if arg.keyword is not None and arg.keyword.value in V1_CONFIG_KEYS:
                    ctx.report(self.rule_id, arg.keyword, _config_key_message(arg.keyword.value))
                    break
        for node in ctx.indexer.class_nodes.values():
            value = model_config(node)
            if isinstance(value, cst.Dict):
                for el in value.elements:
                    key = string_value(el.key) if isinstance(el, cst.DictElement) else None
                    if key in V1_CONFIG_KEYS:
                        ctx.report(self.rule_id, el.key, _config_key_message(key))
                        break


def _config_key_message(key: str) -> str:
    new = V1_CONFIG_KEYS[key]
    if new == "populate_by_name":  # the 2.11+ spelling; `populate_by_name` still works and suits older 2.x
        return (
            f"`{key}` is a Pydantic v1 config key that v2 ignores; use `populate_by_name` "
            "(or `validate_by_name` on Pydantic 2.11+)"
        )
    if new:
        return f"`{key}` is a Pydantic v1 config key that v2 ignores; use `{new}`"
    return f"`{key}` is a Pydantic v1 config key that v2 no longer supports; remove it"


@register
class NoV1ApiProject(ProjectCheck):
    """Phase 2: `class Config` inside a model, and v1 methods called on a known model class or instance."""

    rule_id = "pydantic-no-v1-api"

    def check(self, project: Project) -> None:
        kinds = ClassKinds(project)
        for cls, summary in project.classes.values():
            if cls.name != "Config" or not cls.nested:
                continue
            owner = cls.qualname.rpartition(".")[0]
            if owner in project.classes and kinds.kind(owner) is not None:
                project.report(
                    self.rule_id,
                    summary.path,
                    cls.span,
                    f"`class Config` in `{owner.rsplit('.', 1)[-1]}` is Pydantic v1 API; set "
                    "`model_config = ConfigDict(...)` (v2 key names) instead",
                )
        for summary in project.summaries.values():
            calls = [c for fn in summary.functions for c in fn.calls] + summary.module_calls
            for call in calls:
                receiver, _, method = call.name.rpartition(".")
                if method not in V1_METHODS or not receiver:
                    continue
                found = kinds.find(receiver.removesuffix("()"))
                if found is None and method in V1_ONLY_METHODS and project.canonical(receiver) not in project.classes:
                    # `plugins.get(slug).configuration_schema.parse_raw(...)`: a model class known at run time
                    project.report(
                        self.rule_id,
                        summary.path,
                        call.span,
                        f"`.{method}()` is Pydantic v1 API; use {V1_METHODS[method]}",
                    )
                    continue
                if found is None or kinds.kind(found[0].qualname) is None:
                    continue
                chain = kinds.project_bases(found[0].qualname)
                if any(f"{c}.{method}" in project.functions for c in chain):
                    continue  # the model defines a method of that name itself
                project.report(
                    self.rule_id,
                    summary.path,
                    call.span,
                    f"`.{method}()` on `{found[0].name}` is Pydantic v1 API; use {V1_METHODS[method]}",
                )


# --- pydantic-custom-base-model -------------------------------------------------------------------------

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


# --- pydantic-union-members-forbid-extra (opt-in) -------------------------------------------------------


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
    members = [m for m in _union_parts(ctx, ann) if not _is_none(m)]
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
