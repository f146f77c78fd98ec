"""deps-annotated: `x: T = Depends(f)` -> `x: Annotated[T, Depends(f)]`; a parameter marker's default moves out."""

from __future__ import annotations

import libcst as cst

from bp_rules.fixes import imports
from bp_rules.fixes.fix import CannotFix, Codemod, Fix, register

# markers whose first positional argument is the dependency, not a default
DEPENDENCY_MARKERS = frozenset({"Depends", "Security"})
COMMA = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _name(func: cst.BaseExpression) -> str:
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else ""


@register
class DepsAnnotated(Codemod):
    rule_id = "deps-annotated"
    targets = (cst.Name,)

    def rewrite(self, node: cst.CSTNode, fix: Fix) -> None:
        param = fix.index.parent(node)
        if not isinstance(param, cst.Param) or param.name is not node:
            raise CannotFix
        marker = param.default
        if param.annotation is None or not isinstance(marker, cst.Call):
            raise CannotFix  # without a type there is nothing to put first in Annotated
        annotation = param.annotation.annotation
        if isinstance(annotation, cst.Subscript) and _name(annotation.value) == "Annotated":
            raise CannotFix
        default, marker = _split_default(marker)
        parameters = fix.index.parent(param)
        if default is None and isinstance(parameters, cst.Parameters) and param in parameters.params:
            before = parameters.params[: parameters.params.index(param)]
            if any(p.default is not None for p in (*parameters.posonly_params, *before)):
                raise CannotFix  # a parameter without a default cannot follow one with a default
        annotated = cst.Subscript(
            value=cst.Name("Annotated"),
            slice=[
                cst.SubscriptElement(cst.Index(annotation), comma=COMMA),
                cst.SubscriptElement(cst.Index(marker)),
            ],
        )
        new = param.with_changes(annotation=param.annotation.with_changes(annotation=annotated))
        if default is None:
            new = new.with_changes(default=None, equal=cst.MaybeSentinel.DEFAULT)
        else:
            new = new.with_changes(default=default)
        fix.replace(param, new)
        module = fix.module
        if not imports.bound_from(module, "typing", "Annotated") and not imports.bound_from(
            module, "typing_extensions", "Annotated"
        ):
            fix.add_import("typing", "Annotated")


def _split_default(call: cst.Call) -> tuple[cst.BaseExpression | None, cst.Call]:
    """The marker's default value (None when it has none or it is `...`) and the marker without it."""
    if _name(call.func) in DEPENDENCY_MARKERS:
        return None, call
    args = list(call.args)
    at = next((i for i, a in enumerate(args) if a.keyword is None and a.star == ""), None)
    if at is None:
        at = next((i for i, a in enumerate(args) if a.keyword is not None and a.keyword.value == "default"), None)
    if at is None:
        if any(a.star for a in args):
            raise CannotFix  # `Query(*args)` / `Query(**kwargs)`: the default may hide in there
        return None, call
    removed = args.pop(at)
    if args and at == len(args):  # the last argument went: the new last one takes its comma (or none)
        args[-1] = args[-1].with_changes(comma=removed.comma)
    value = removed.value
    marker = call.with_changes(args=args)
    if not args:
        marker = marker.with_changes(whitespace_before_args=cst.SimpleWhitespace(""))  # `Query()`, not `Query(\n)`
    if isinstance(value, cst.Ellipsis):
        return None, marker
    return value, marker
