"""`pydantic-settings-config`: every domain settings class has `model_config = SettingsConfigDict(env_prefix=...,
env_file=..., extra=...)`."""

from __future__ import annotations

import libcst as cst

from bp_rules.validator.analysis.pydantic_syntax import config_items, model_config, nested_config
from bp_rules.validator.analysis.settings_domains import domain_of
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import string_value
from bp_rules.validator.registry import FileCheck, register

BASE_SETTINGS = frozenset({"pydantic_settings.BaseSettings", "pydantic_settings.main.BaseSettings"})


@register
class SettingsConfig(FileCheck):
    rule_id = "pydantic-settings-config"

    def check(self, ctx: FileContext) -> None:
        domain = domain_of(ctx)
        if domain is None:
            return
        prefix = f'env_prefix="{domain.upper()}_"'
        for cls in ctx.summary.classes:
            if cls.nested or not any(b in BASE_SETTINGS for b in cls.bases):
                continue
            node = ctx.indexer.class_nodes.get(cls.qualname)
            if node is None or nested_config(node) is not None:
                continue  # a v1 `class Config` is pydantic-no-v1-api's finding
            value = model_config(node)
            if value is None:
                ctx.report_at(
                    self.rule_id,
                    cls,
                    f"domain settings `{cls.name}` have no `model_config`, so they read unprefixed variables "
                    f'shared by every domain; add `model_config = SettingsConfigDict({prefix}, env_file=".env", '
                    'extra="ignore")`',
                )
                continue
            items = config_items(ctx, value)
            if items is None:
                continue
            missing = []
            if "env_prefix" not in items:
                missing.append(f"`{prefix}` (its variables collide with other domains')")
            env_file = items.get("env_file")
            extra = string_value(items["extra"]) if "extra" in items else None
            if env_file is not None and not _is_none(env_file) and ("extra" not in items or extra == "forbid"):
                missing.append('`extra="ignore"` (the shared env file holds other classes\' variables)')
            if missing:
                ctx.report(
                    self.rule_id,
                    value,
                    f"the `model_config` of domain settings `{cls.name}` lacks {' and '.join(missing)}",
                )


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"
