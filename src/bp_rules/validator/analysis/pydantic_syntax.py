"""Pydantic models in the syntax tree: validators and their decorators, fields, `model_config` and the
nested `Config`, v1 names and their v2 replacements; shared by the pydantic, settings and serialization checks
and by the pydantic codemods."""

from __future__ import annotations

import re
from collections.abc import Iterator

import libcst as cst

from bp_rules.validator.analysis.statements import class_body, small_statements
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import keyword_arg, positional, string_value
from bp_rules.validator.summary import Function

FIELD_VALIDATORS = frozenset({"pydantic.field_validator", "pydantic.functional_validators.field_validator"})


MODEL_VALIDATORS = frozenset({"pydantic.model_validator", "pydantic.functional_validators.model_validator"})


V1_VALIDATORS = frozenset(
    {
        "pydantic.validator",
        "pydantic.class_validators.validator",
        "pydantic.deprecated.class_validators.validator",
    }
)


V1_ROOT_VALIDATORS = frozenset(
    {
        "pydantic.root_validator",
        "pydantic.class_validators.root_validator",
        "pydantic.deprecated.class_validators.root_validator",
    }
)


# the v1 compatibility layer, used on purpose by code that has not migrated yet: still a validator
V1_COMPAT_VALIDATORS = frozenset({"pydantic.v1.validator", "pydantic.v1.root_validator"})


ALL_VALIDATORS = FIELD_VALIDATORS | MODEL_VALIDATORS | V1_VALIDATORS | V1_ROOT_VALIDATORS | V1_COMPAT_VALIDATORS


HTTP_EXCEPTIONS = frozenset(
    {"fastapi.HTTPException", "fastapi.exceptions.HTTPException", "starlette.exceptions.HTTPException"}
)


CONFIG_DICTS = frozenset(
    {"pydantic.ConfigDict", "pydantic.config.ConfigDict", "pydantic_settings.SettingsConfigDict",
     "pydantic_settings.main.SettingsConfigDict"}
)  # fmt: skip


FIELD = frozenset({"pydantic.Field", "pydantic.fields.Field"})


EXTRA_FORBID = frozenset({"pydantic.Extra.forbid", "pydantic.config.Extra.forbid"})


OPTIONAL = frozenset({"typing.Optional", "typing_extensions.Optional"})


UNION = frozenset({"typing.Union", "typing_extensions.Union"})


ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})


CLASSVAR = frozenset({"typing.ClassVar", "typing_extensions.ClassVar"})


ENUM = frozenset({"enum.Enum"})


V1_CONFIG_KEYS = {
    "orm_mode": "from_attributes",
    "allow_population_by_field_name": "populate_by_name",
    "anystr_strip_whitespace": "str_strip_whitespace",
    "anystr_lower": "str_to_lower",
    "anystr_upper": "str_to_upper",
    "min_anystr_length": "str_min_length",
    "max_anystr_length": "str_max_length",
    "validate_all": "validate_default",
    "schema_extra": "json_schema_extra",
    "keep_untouched": "ignored_types",
    "allow_mutation": "frozen",
    "underscore_attrs_are_private": "",
    "smart_union": "",
    "copy_on_model_validation": "",
    "getter_dict": "",
    "json_loads": "",
    "json_dumps": "",
    "error_msg_templates": "",
    "fields": "",
}


V1_METHODS = {
    "dict": "`.model_dump()`",
    "json": "`.model_dump_json()`",
    "copy": "`.model_copy()`",
    "parse_obj": "`.model_validate()`",
    "parse_raw": "`.model_validate_json()`",
    "parse_file": "`.model_validate_json()` on the file's text",
    "from_orm": "`.model_validate(obj)` with `from_attributes=True`",
    "construct": "`.model_construct()`",
    "update_forward_refs": "`.model_rebuild()`",
    "schema": "`.model_json_schema()`",
    "schema_json": "`json.dumps(Model.model_json_schema())`",
}


# methods no other common library defines: reported on any receiver whose type is not known statically
V1_ONLY_METHODS = frozenset({"parse_obj", "parse_raw", "parse_file", "from_orm"})


# Python's `re` syntax that pydantic-core's default (Rust) regex engine rejects: such a pattern needs a validator
PYTHON_ONLY_REGEX = re.compile(r"\(\?<?[=!]|\\[1-9]|\(\?P=")


CODE = cst.Module([])


def code(node: cst.CSTNode) -> str:
    return CODE.code_for_node(node).strip()


def decorators(ctx: FileContext, node: cst.FunctionDef, scope) -> Iterator[tuple[str, cst.Decorator]]:
    """Each decorator's qualified name (of the callee when it is a call), seen from the enclosing scope."""
    for dec in node.decorators:
        expr = dec.decorator
        target = expr.func if isinstance(expr, cst.Call) else expr
        yield ctx.qualify(target, scope), dec


def validator_decorator(ctx: FileContext, node: cst.FunctionDef, scope) -> tuple[str, cst.Decorator] | None:
    for name, dec in decorators(ctx, node, scope):
        if name in ALL_VALIDATORS:
            return name, dec
    return None


def function_of(ctx: FileContext) -> dict[int, Function]:
    nodes = ctx.indexer.function_nodes
    return {id(nodes[f.qualname]): f for f in ctx.summary.functions if f.qualname in nodes}


def field_statements(node: cst.ClassDef) -> Iterator[tuple[str, cst.AnnAssign]]:
    """The annotated class attributes of a class body: `name: T` and `name: T = value`."""
    for stmt in small_statements(node):
        if isinstance(stmt, cst.AnnAssign) and isinstance(stmt.target, cst.Name):
            yield stmt.target.value, stmt


def is_classvar(ctx: FileContext, stmt: cst.AnnAssign) -> bool:
    ann = stmt.annotation.annotation
    target = ann.value if isinstance(ann, cst.Subscript) else ann
    return ctx.qualify(target) in CLASSVAR


def model_config(node: cst.ClassDef) -> cst.BaseExpression | None:
    """The value assigned to `model_config` in a class body."""
    for stmt in small_statements(node):
        if isinstance(stmt, cst.Assign) and any(
            isinstance(t.target, cst.Name) and t.target.value == "model_config" for t in stmt.targets
        ):
            return stmt.value
        target = stmt.target if isinstance(stmt, cst.AnnAssign) else None
        if isinstance(target, cst.Name) and target.value == "model_config":
            return stmt.value
    return None


def config_items(ctx: FileContext, value: cst.BaseExpression | None) -> dict[str, cst.BaseExpression] | None:
    """The keys of a `ConfigDict(...)`/`SettingsConfigDict(...)` call or dict literal; None if not literal."""
    if isinstance(value, cst.Call) and ctx.qualify(value.func) in CONFIG_DICTS:
        if any(arg.star for arg in value.args):
            return None
        return {arg.keyword.value: arg.value for arg in value.args if arg.keyword is not None}
    if isinstance(value, cst.Dict):
        out = {}
        for el in value.elements:
            if not isinstance(el, cst.DictElement):
                return None
            key = string_value(el.key)
            if key is None:
                return None
            out[key] = el.value
        return out
    return None


def nested_config(node: cst.ClassDef) -> cst.ClassDef | None:
    for stmt in class_body(node):
        if isinstance(stmt, cst.ClassDef) and stmt.name.value == "Config":
            return stmt
    return None


def forbids_extra(ctx: FileContext, node: cst.ClassDef) -> bool:
    """`extra="forbid"` set on the class: in `model_config`, a class keyword, or a v1 `class Config`."""
    for kw in node.keywords:
        if kw.keyword is not None and kw.keyword.value == "extra" and _is_forbid(ctx, kw.value):
            return True
    items = config_items(ctx, model_config(node)) or {}
    if "extra" in items and _is_forbid(ctx, items["extra"]):
        return True
    config = nested_config(node)
    if config is not None:
        for stmt in small_statements(config):
            if isinstance(stmt, cst.Assign) and any(
                isinstance(t.target, cst.Name) and t.target.value == "extra" for t in stmt.targets
            ):
                return _is_forbid(ctx, stmt.value)
    return False


def _is_forbid(ctx: FileContext, value: cst.BaseExpression) -> bool:
    return string_value(value) == "forbid" or ctx.qualify(value) in EXTRA_FORBID


def is_required(ctx: FileContext, stmt: cst.AnnAssign) -> bool:
    value = stmt.value
    if value is None:
        return True
    if isinstance(value, cst.Call) and ctx.qualify(value.func) in FIELD:
        if keyword_arg(value, "default") is not None or keyword_arg(value, "default_factory") is not None:
            return False
        first = positional(value, 0)
        return first is None or isinstance(first.value, cst.Ellipsis)
    return False


def docstring_free_body(node: cst.FunctionDef) -> list[cst.BaseStatement]:
    body = list(node.body.body) if isinstance(node.body, cst.IndentedBlock) else []
    if body and node.get_docstring() is not None:
        body = body[1:]
    return body


def single_small(stmt: cst.CSTNode) -> cst.BaseSmallStatement | None:
    """The one small statement of a simple statement line."""
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
        return stmt.body[0]
    return None


def only_statement(block: cst.BaseSuite) -> cst.BaseSmallStatement | None:
    """The one small statement of a block (`if x: raise ...` or an indented block of one line)."""
    if isinstance(block, cst.SimpleStatementSuite):
        return block.body[0] if len(block.body) == 1 else None
    if isinstance(block, cst.IndentedBlock) and len(block.body) == 1:
        return single_small(block.body[0])
    return None


def is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"
