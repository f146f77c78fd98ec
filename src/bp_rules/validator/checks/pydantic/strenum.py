"""`pydantic-strenum`: string choice enums are `class X(StrEnum)`, not `class X(str, Enum)`."""

from __future__ import annotations

from bp_rules.validator.analysis.migration_files import is_migration
from bp_rules.validator.analysis.pydantic_syntax import ENUM
from bp_rules.validator.context import FileContext
from bp_rules.validator.registry import FileCheck, register


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
