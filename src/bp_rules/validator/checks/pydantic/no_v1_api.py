"""`pydantic-no-v1-api`: the v2 API, not v1's `@validator`, `class Config`, `orm_mode`, `parse_obj` or `.dict()`."""

from __future__ import annotations

import libcst as cst

from bp_rules.validator.analysis.pydantic_kinds import ClassKinds
from bp_rules.validator.analysis.pydantic_syntax import (
    CONFIG_DICTS,
    V1_CONFIG_KEYS,
    V1_METHODS,
    V1_ONLY_METHODS,
    V1_ROOT_VALIDATORS,
    V1_VALIDATORS,
    decorators,
    model_config,
)
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import string_value
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register


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
