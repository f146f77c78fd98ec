"""The domain a settings module belongs to, leaving out packages that hold app-wide code or one technical
layer (`app/core/config.py`)."""

from __future__ import annotations

from bp_rules.validator.context import FileContext

# packages that hold app-wide code or one technical layer (`app/core/config.py`, `app/api/deps.py`), not a domain
GLOBAL_PACKAGES = frozenset(
    {"core", "common", "shared", "config", "settings", "conf", "kit", "lib", "libs", "utils", "base", "infra",
     "api", "apis", "v1", "v2", "v3", "internal", "http", "web", "rest", "routes", "routers", "endpoints", "views",
     "models", "schemas", "crud", "services", "db", "database", "dependencies", "deps", "helpers", "tasks"}
)  # fmt: skip


def domain_of(ctx: FileContext) -> str | None:
    domain = ctx.placement.domain
    if ctx.placement.in_tests or domain is None or domain in GLOBAL_PACKAGES:
        return None
    return domain
