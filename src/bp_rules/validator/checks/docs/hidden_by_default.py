"""`docs-hidden-by-default`: the app is built with `openapi_url=None` except in an explicit allow-list of
environments."""

from __future__ import annotations

import libcst as cst

from bp_rules.validator.analysis.documented_routes import FASTAPI, node_source
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import keyword_arg, string_value
from bp_rules.validator.registry import FileCheck, register


@register
class DocsHiddenByDefault(FileCheck):
    rule_id = "docs-hidden-by-default"
    node_types = (cst.Call,)

    def check(self, ctx: FileContext) -> None:
        if ctx.config.public_api or ctx.placement.in_tests:
            return
        for node, scope in ctx.nodes(cst.Call):
            if _last_name(node.func) != "FastAPI" or ctx.qualify(node.func, scope) not in FASTAPI:
                continue
            arg = keyword_arg(node, "openapi_url")
            if arg is not None:
                if _always_a_url(arg.value):
                    ctx.report(
                        self.rule_id,
                        node,
                        f"`FastAPI(openapi_url={node_source(arg.value)})` serves the schema in every environment; use "
                        '`openapi_url="/openapi.json" if settings.ENVIRONMENT in SHOW_DOCS_IN else None`',
                    )
                continue
            splats = [a for a in node.args if a.star == "**"]
            if splats and not all(self._plain_dict(ctx, a.value, scope) for a in splats):
                continue  # the keyword arguments come from elsewhere: they may set openapi_url
            ctx.report(
                self.rule_id,
                node,
                "`FastAPI(...)` without `openapi_url` serves `/openapi.json` and the docs in every environment; pass "
                '`openapi_url="/openapi.json" if settings.ENVIRONMENT in SHOW_DOCS_IN else None`',
            )

    @staticmethod
    def _plain_dict(ctx: FileContext, value: cst.BaseExpression, scope) -> bool:
        """`**app_configs` where `app_configs` is a module-level dict literal that never gets `openapi_url`."""
        if scope is not None or not isinstance(value, cst.Name) or "openapi_url" in ctx.source:
            return False
        for stmt in ctx.tree.body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else []
                if isinstance(small, cst.AnnAssign):
                    targets = [small.target]
                if any(isinstance(t, cst.Name) and t.value == value.value for t in targets):
                    return isinstance(small.value, cst.Dict)
        return False


def _last_name(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    return node.attr.value if isinstance(node, cst.Attribute) else ""


def _always_a_url(node: cst.BaseExpression) -> bool:
    """A non-empty string literal or an f-string with text: a URL whatever the environment."""
    if isinstance(node, cst.FormattedString):
        return any(isinstance(p, cst.FormattedStringText) and p.value for p in node.parts)
    return bool(string_value(node))
