"""`pydantic-builtin-constraints`: length, range, pattern and choice limits are `Field(...)` constraints or
an enum, not a validator that re-implements them."""

from __future__ import annotations

import re

import libcst as cst

from bp_rules.validator.analysis.pydantic_syntax import (
    FIELD_VALIDATORS,
    PYTHON_ONLY_REGEX,
    V1_VALIDATORS,
    code,
    docstring_free_body,
    function_of,
    only_statement,
    single_small,
    validator_decorator,
)
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import keyword_arg, positional, string_value
from bp_rules.validator.registry import FileCheck, register


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
