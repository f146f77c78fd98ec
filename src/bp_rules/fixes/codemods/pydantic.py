"""Pydantic codemods: v1 API -> v2, `Optional[X]` -> `X | None`, `(str, Enum)` -> `StrEnum`, BaseSettings' import."""

from __future__ import annotations

import libcst as cst

from bp_rules.fixes import imports
from bp_rules.fixes.fix import CannotFix, Codemod, Fix, register
from bp_rules.validator.analysis.pydantic_syntax import PYTHON_ONLY_REGEX, V1_CONFIG_KEYS

COMMA = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
METHOD_RENAMES = {
    "dict": "model_dump",
    "json": "model_dump_json",
    "copy": "model_copy",
    "parse_obj": "model_validate",
    "parse_raw": "model_validate_json",
    "from_orm": "model_validate",
    "construct": "model_construct",
    "update_forward_refs": "model_rebuild",
    "schema": "model_json_schema",
}
# keyword arguments the v2 method does not take: such a call needs a person
DROPPED_ARGUMENTS = {
    "dict": {"skip_defaults"},
    "json": {"skip_defaults", "encoder", "models_as_dict"},
    "copy": {"include", "exclude"},
    "parse_raw": {"content_type", "encoding", "proto", "allow_pickle"},
}
# v1 config keys whose removal would drop intent a person has to carry over by hand
KEYS_NEEDING_A_PERSON = frozenset({"fields", "getter_dict", "json_loads", "json_dumps", "error_msg_templates"})


def _last(func: cst.BaseExpression) -> str:
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else ""


def _renamed(expr: cst.BaseExpression, new: str) -> cst.BaseExpression:
    """`validator` -> `field_validator`, `pydantic.validator` -> `pydantic.field_validator`."""
    if isinstance(expr, cst.Attribute):
        return expr.with_changes(attr=cst.Name(new))
    return cst.Name(new)


def _true(node: cst.BaseExpression | None) -> bool | None:
    return {"True": True, "False": False}.get(node.value) if isinstance(node, cst.Name) else None


@register
class NoV1Api(Codemod):
    rule_id = "pydantic-no-v1-api"
    targets = (cst.Call, cst.Name, cst.Attribute, cst.SimpleString)

    def rewrite(self, node: cst.CSTNode, fix: Fix) -> None:
        parent = fix.index.parent(node)
        if isinstance(parent, cst.Decorator) and parent.decorator is node:
            self._validator(node, parent, fix)
        elif isinstance(parent, cst.Arg) and parent.keyword is node:
            call = fix.index.parent(parent)
            fix.replace(call, call.with_changes(args=_config_args(call.args)))
        elif isinstance(parent, cst.DictElement) and parent.key is node:
            fix.replace(fix.index.parent(parent), _config_dict(fix.index.parent(parent)))
        elif isinstance(parent, cst.ClassDef) and parent.name is node and node.value == "Config":
            self._config_class(parent, fix)
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            self._method(node, fix)
        else:
            raise CannotFix

    def _validator(self, expr: cst.BaseExpression, decorator: cst.Decorator, fix: Fix) -> None:
        function = fix.index.parent(decorator)
        if not isinstance(function, cst.FunctionDef):
            raise CannotFix
        name = _last(expr.func if isinstance(expr, cst.Call) else expr)
        args = list(expr.args) if isinstance(expr, cst.Call) else []
        keywords = {a.keyword.value: a for a in args if a.keyword is not None}
        pre = _true(keywords["pre"].value) if "pre" in keywords else False
        if pre is None:
            raise CannotFix
        if name == "validator":
            # `values`, `field` and `config` parameters, `always` and `each_item` have no one-to-one v2 form
            if set(keywords) - {"pre", "allow_reuse", "check_fields"} or len(function.params.params) > 2:
                raise CannotFix
            if function.params.star_kwarg is not None:
                raise CannotFix
            kept = [a for a in args if a.keyword is None or a.keyword.value == "check_fields"]
            new_name, source = "field_validator", expr.func if isinstance(expr, cst.Call) else expr
        else:
            if set(keywords) - {"pre", "allow_reuse", "skip_on_failure"} or len(function.params.params) != 2:
                raise CannotFix
            kept = []
            new_name, source = "model_validator", expr.func if isinstance(expr, cst.Call) else expr
        if pre or name == "root_validator":
            mode = cst.Arg(cst.SimpleString('"before"'), keyword=cst.Name("mode"), equal=_EQUAL)
            kept = [*kept, mode]
        kept = [a.with_changes(comma=COMMA) for a in kept[:-1]] + [
            a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in kept[-1:]
        ]
        new_expr = cst.Call(func=_renamed(source, new_name), args=kept)
        decorators = []
        for dec in function.decorators:
            decorators.append(dec.with_changes(decorator=new_expr) if dec is decorator else dec)
            if dec is decorator and not any(_last(d.decorator) == "classmethod" for d in function.decorators):
                decorators.append(cst.Decorator(cst.Name("classmethod")))
        fix.replace(function, function.with_changes(decorators=decorators))
        if isinstance(source, cst.Name):
            fix.add_import("pydantic", new_name)
            fix.release_import("pydantic", name)

    def _config_class(self, config: cst.ClassDef, fix: Fix) -> None:
        owner = fix.index.ancestor(config, cst.ClassDef)
        if owner is None or not isinstance(owner.body, cst.IndentedBlock):
            raise CannotFix
        for stmt in owner.body.body:
            if isinstance(stmt, cst.SimpleStatementLine) and any(
                isinstance(s, (cst.Assign, cst.AnnAssign)) and "model_config" in cst.Module([]).code_for_node(s)
                for s in stmt.body
            ):
                raise CannotFix  # the model already has a model_config to merge into
        arguments = []
        body = config.body.body if isinstance(config.body, cst.IndentedBlock) else [config.body]
        for stmt in body:
            if not isinstance(stmt, cst.SimpleStatementLine) or any(line.comment for line in stmt.leading_lines):
                raise CannotFix  # a method or a comment would be lost
            if stmt.trailing_whitespace.comment is not None:
                raise CannotFix
            for small in stmt.body:
                if isinstance(small, cst.Pass):
                    continue
                if not isinstance(small, cst.Assign) or len(small.targets) != 1:
                    raise CannotFix
                target = small.targets[0].target
                if not isinstance(target, cst.Name):
                    raise CannotFix
                key, value = _config_key(target.value, small.value)
                if key is not None:
                    arguments.append(cst.Arg(value, keyword=cst.Name(key), equal=_EQUAL))
        arguments = [a.with_changes(comma=COMMA) for a in arguments[:-1]] + arguments[-1:]
        settings = any("BaseSettings" in cst.Module([]).code_for_node(b.value) for b in owner.bases)
        factory = "SettingsConfigDict" if settings else "ConfigDict"
        assign = cst.SimpleStatementLine(
            [cst.Assign([cst.AssignTarget(cst.Name("model_config"))], cst.Call(cst.Name(factory), arguments))],
            leading_lines=config.leading_lines,
        )
        fix.replace(config, assign)
        fix.add_import("pydantic_settings" if settings else "pydantic", factory)

    def _method(self, call: cst.Call, fix: Fix) -> None:
        method = call.func.attr.value
        new = METHOD_RENAMES.get(method)
        if new is None:
            raise CannotFix
        keywords = {a.keyword.value for a in call.args if a.keyword is not None}
        if keywords & DROPPED_ARGUMENTS.get(method, set()) or any(a.star for a in call.args):
            raise CannotFix
        args = list(call.args)
        if method == "from_orm":
            # v1's from_orm required orm_mode; passing from_attributes keeps it working whatever the config says
            if len(args) != 1:
                raise CannotFix
            args = [
                args[0].with_changes(comma=COMMA),
                cst.Arg(cst.Name("True"), keyword=cst.Name("from_attributes"), equal=_EQUAL),
            ]
        fix.replace(call, call.with_changes(func=call.func.with_changes(attr=cst.Name(new)), args=args))


_EQUAL = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))


def _config_key(key: str, value: cst.BaseExpression) -> tuple[str | None, cst.BaseExpression]:
    """A v1 config entry in v2 terms: (new key or None to drop it, value)."""
    if key not in V1_CONFIG_KEYS:
        return key, value
    if key in KEYS_NEEDING_A_PERSON:
        raise CannotFix
    new = V1_CONFIG_KEYS[key]
    if not new:
        return None, value  # v2 ignores it already: dropping it changes nothing
    if key == "allow_mutation":  # the meaning flips: allow_mutation=False is frozen=True
        flag = _true(value)
        if flag is None:
            raise CannotFix
        return new, cst.Name("False" if flag else "True")
    if key == "schema_extra" and not isinstance(value, cst.Dict):
        raise CannotFix
    return new, value


def _config_args(args) -> list[cst.Arg]:
    out = []
    for arg in args:
        if arg.keyword is None:
            out.append(arg)
            continue
        key, value = _config_key(arg.keyword.value, arg.value)
        if key is not None:
            out.append(arg.with_changes(keyword=cst.Name(key), value=value))
    if out and len(out) < len(args):
        out[-1] = out[-1].with_changes(comma=args[-1].comma)
    return out


def _config_dict(node: cst.Dict) -> cst.Dict:
    out = []
    for el in node.elements:
        key = (
            el.key.evaluated_value if isinstance(el, cst.DictElement) and isinstance(el.key, cst.SimpleString) else None
        )
        if key is None:
            out.append(el)
            continue
        new, value = _config_key(key, el.value)
        if new is not None:
            out.append(el.with_changes(key=el.key.with_changes(value=el.key.value.replace(key, new)), value=value))
    if out and len(out) < len(node.elements):
        out[-1] = out[-1].with_changes(comma=node.elements[-1].comma)
    return node.with_changes(elements=out)


@register
class Pep604Optional(Codemod):
    rule_id = "pydantic-pep604-optional"
    targets = (cst.Subscript,)

    def rewrite(self, node: cst.CSTNode, fix: Fix) -> None:
        name = _last(node.value)
        elements = [e.slice.value for e in node.slice if isinstance(e.slice, cst.Index)]
        if len(elements) != len(node.slice) or any(_has_string(e) for e in elements):
            raise CannotFix  # `"Model" | None` fails at runtime: forward references stay as they are
        if name == "Optional" and len(elements) == 1:
            members = [elements[0]]
        elif name == "Union":
            members = [e for e in elements if not (isinstance(e, cst.Name) and e.value == "None")]
        else:
            raise CannotFix
        union: cst.BaseExpression = cst.Name("None")
        for member in reversed(members):
            union = _bitor(member, union)
        fix.replace(node, union)
        if isinstance(node.value, cst.Name):
            fix.release_import("typing", name)
            fix.release_import("typing_extensions", name)
        elif isinstance(node.value, cst.Attribute) and isinstance(node.value.value, cst.Name):
            fix.release_module(node.value.value.value)


def _bitor(left: cst.BaseExpression, right: cst.BaseExpression) -> cst.BinaryOperation:
    if isinstance(left, (cst.Lambda, cst.IfExp, cst.NamedExpr)):
        left = left.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.BinaryOperation(left, cst.BitOr(cst.SimpleWhitespace(" "), cst.SimpleWhitespace(" ")), right)


def _has_string(node: cst.CSTNode) -> bool:
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
        return True
    return any(_has_string(child) for child in node.children)


@register
class StrEnumBase(Codemod):
    rule_id = "pydantic-strenum"
    targets = (cst.Name,)

    def rewrite(self, node: cst.CSTNode, fix: Fix) -> None:
        cls = fix.index.parent(node)
        if not isinstance(cls, cst.ClassDef) or cls.name is not node:
            raise CannotFix
        bases = [a for a in cls.bases if a.keyword is None]
        code = cst.Module([]).code_for_node
        names = [code(a.value) for a in bases]
        if len(bases) != 2 or "str" not in names or cls.keywords:
            raise CannotFix
        enum_base = bases[1 - names.index("str")].value
        if _last(enum_base) != "Enum" or _uses_auto(cls):
            raise CannotFix  # auto() gives "1" with the str mixin and the lower-cased name with StrEnum
        new_base = _renamed(enum_base, "StrEnum")
        fix.replace(cls, cls.with_changes(bases=[cst.Arg(new_base)]))
        if isinstance(enum_base, cst.Name):
            fix.add_import("enum", "StrEnum")
            fix.release_import("enum", "Enum")


def _uses_auto(node: cst.CSTNode) -> bool:
    if isinstance(node, cst.Call) and _last(node.func) == "auto":
        return True
    return any(_uses_auto(child) for child in node.children)


@register
class SettingsImport(Codemod):
    rule_id = "pydantic-settings-import"
    targets = (cst.ImportAlias, cst.Name)

    def rewrite(self, node: cst.CSTNode, fix: Fix) -> None:
        parent = fix.index.parent(node)
        if isinstance(node, cst.ImportAlias) and isinstance(parent, cst.ImportFrom):
            if node.asname is not None or cst.Module([]).code_for_node(node.name) != "BaseSettings":
                raise CannotFix
            if len(parent.names) == 1:
                if imports.has_from(fix.module, "pydantic_settings"):
                    fix.replace(parent, cst.RemovalSentinel.REMOVE)
                    fix.add_import("pydantic_settings", "BaseSettings")
                else:
                    fix.replace(parent, parent.with_changes(module=cst.Name("pydantic_settings")))
                return
            names = [a for a in parent.names if a is not node]
            names[-1] = names[-1].with_changes(comma=parent.names[-1].comma)
            fix.replace(parent, parent.with_changes(names=names))
            fix.add_import("pydantic_settings", "BaseSettings")
        elif isinstance(parent, cst.ClassDef) and parent.name is node:
            bases = []
            for arg in parent.bases:
                value = arg.value
                if isinstance(value, cst.Attribute) and value.attr.value == "BaseSettings":
                    arg = arg.with_changes(value=cst.Name("BaseSettings"))
                bases.append(arg)
            fix.replace(parent, parent.with_changes(bases=bases))
            fix.add_import("pydantic_settings", "BaseSettings")
            fix.release_module("pydantic")
        else:
            raise CannotFix


# v1 keyword -> v2 keyword, for Field/constr/conlist
V2_KEYWORDS = {"regex": "pattern", "min_items": "min_length", "max_items": "max_length"}
LITERALS = (cst.SimpleString, cst.Integer, cst.Float, cst.Name)


@register
class V2Pattern(Codemod):
    rule_id = "pydantic-v2-pattern"
    targets = (cst.Call,)

    def rewrite(self, node: cst.CSTNode, fix: Fix) -> None:
        keywords = {a.keyword.value: a for a in node.args if a.keyword is not None}
        if "unique_items" in keywords or any(a.star for a in node.args):
            raise CannotFix  # a set type changes what the field holds
        regex = keywords.get("regex")
        if regex is not None and not (
            isinstance(regex.value, cst.SimpleString) and not PYTHON_ONLY_REGEX.search(regex.value.evaluated_value)
        ):
            raise CannotFix  # only a literal pattern the Rust engine accepts
        args = [
            a.with_changes(keyword=cst.Name(V2_KEYWORDS[a.keyword.value]))
            if a.keyword is not None and a.keyword.value in V2_KEYWORDS
            else a
            for a in node.args
        ]
        if "const" not in keywords:
            fix.replace(node, node.with_changes(args=args))
            return
        self._const(node, args, fix)

    @staticmethod
    def _const(node: cst.Call, args: list[cst.Arg], fix: Fix) -> None:
        """`x: T = Field(v, const=True)` -> `x: Literal[v] = v` (or `= Field(v, ...)` when more arguments)."""
        owner = fix.index.parent(node)
        if _true(next(a.value for a in args if a.keyword and a.keyword.value == "const")) is not True:
            raise CannotFix
        if not isinstance(owner, cst.AnnAssign) or owner.value is not node:
            raise CannotFix
        rest = [a for a in args if not (a.keyword and a.keyword.value == "const")]
        default = next((a for a in rest if a.keyword is None or a.keyword.value == "default"), None)
        if default is None or not isinstance(default.value, LITERALS):
            raise CannotFix
        if isinstance(default.value, cst.Name) and default.value.value not in ("True", "False", "None"):
            raise CannotFix
        literal = cst.Subscript(cst.Name("Literal"), [cst.SubscriptElement(cst.Index(default.value))])
        others = [a for a in rest if a is not default]
        if others:
            others[-1] = others[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            kept = [default.with_changes(comma=COMMA), *others]
            value: cst.BaseExpression = node.with_changes(args=kept)
        else:
            value = default.value
        fix.replace(
            owner, owner.with_changes(annotation=owner.annotation.with_changes(annotation=literal), value=value)
        )
        fix.add_import("typing", "Literal")
