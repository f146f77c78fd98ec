"""Settings checks: `SettingsConfigDict` on domain settings, precise field types, settings split by domain."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import libcst as cst

from bp_rules.validator.analysis.pydantic_kinds import SETTINGS, ClassKinds
from bp_rules.validator.analysis.pydantic_syntax import config_items, field_statements, model_config, nested_config
from bp_rules.validator.context import FileContext, placement
from bp_rules.validator.indexer import string_value
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register

BASE_SETTINGS = frozenset({"pydantic_settings.BaseSettings", "pydantic_settings.main.BaseSettings"})
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


# --- pydantic-settings-config ---------------------------------------------------------------------------


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


# --- pydantic-typed-settings ----------------------------------------------------------------------------

URL_NAME = re.compile(r"(^|_)(URL|DSN|URI)$", re.IGNORECASE)
SCHEMES = {
    "postgres": "PostgresDsn",
    "postgresql": "PostgresDsn",
    "redis": "RedisDsn",
    "rediss": "RedisDsn",
    "amqp": "AmqpDsn",
    "amqps": "AmqpDsn",
    "mysql": "MySQLDsn",
    "mariadb": "MariaDBDsn",
    "mongodb": "MongoDsn",
    "mongodb+srv": "MongoDsn",
    "kafka": "KafkaDsn",
    "nats": "NatsDsn",
    "clickhouse": "ClickHouseDsn",
    "cockroachdb": "CockroachDsn",
    "http": "AnyHttpUrl",
    "https": "AnyHttpUrl",
}
DURATION_WORDS = frozenset({"EXP", "EXPIRE", "EXPIRES", "EXPIRY", "EXPIRATION", "TTL", "LIFETIME"})
# a name that states its unit: the environment value is read in that unit, so `timedelta` would change the name
# and every environment's value together; such fields are left alone
UNITS = {
    "SECONDS": "seconds", "SECS": "seconds", "SEC": "seconds", "S": "seconds", "MS": "milliseconds",
    "MILLISECONDS": "milliseconds", "MINUTES": "minutes", "MINS": "minutes", "MIN": "minutes", "HOURS": "hours",
    "HRS": "hours", "DAYS": "days", "WEEKS": "weeks",
}  # fmt: skip
# a unit in prose: `in hours`, `20 minutes`, `48h`, or a plural unit word (`number of days`); a bare `min` or
# `day` is too often something else (`min length`, `day of the week`)
UNIT_IN_TEXT = re.compile(
    r"(?:\b(?:in|\d+)\s*(seconds?|secs?|s|milliseconds?|ms|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?)\b)"
    r"|\b(seconds|milliseconds|minutes|hours|days|weeks)\b",
    re.IGNORECASE,
)
TEXT_UNITS = {
    "s": "seconds", "sec": "seconds", "ms": "milliseconds", "millisecond": "milliseconds", "m": "minutes",
    "min": "minutes", "minute": "minutes", "h": "hours", "hr": "hours", "hour": "hours", "d": "days",
    "day": "days", "week": "weeks",
}  # fmt: skip


def field_notes(node: cst.ClassDef) -> dict[str, str]:
    """The comment on a field's line and the docstring under it, per field name: where a unit gets written."""
    notes: dict[str, str] = {}
    body = list(node.body.body) if isinstance(node.body, cst.IndentedBlock) else []
    for i, stmt in enumerate(body):
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        field = stmt.body[0]
        if not (isinstance(field, cst.AnnAssign) and isinstance(field.target, cst.Name)):
            continue
        text = stmt.trailing_whitespace.comment.value if stmt.trailing_whitespace.comment else ""
        after = body[i + 1] if i + 1 < len(body) else None
        if isinstance(after, cst.SimpleStatementLine) and isinstance(after.body[0], cst.Expr):
            text += " " + (string_value(after.body[0].value) or "")
        notes[field.target.value] = text
    return notes


def unit_in(text: str) -> str | None:
    match = UNIT_IN_TEXT.search(text)
    if match is None:
        return None
    word = (match.group(1) or match.group(2)).lower()
    word = word[:-1] if word.endswith("s") and word[:-1] in TEXT_UNITS else word
    return TEXT_UNITS.get(word, word if word.endswith("s") else None)


@register
class TypedSettingsFacts(FileCheck):
    """Phase 1: `str` URL fields with a known scheme and `int` duration fields; phase 2 keeps settings ones."""

    rule_id = "pydantic-typed-settings"

    def check(self, ctx: FileContext) -> None:
        facts = []
        for qualname, node in ctx.indexer.class_nodes.items():
            if not node.bases:
                continue
            notes = field_notes(node)
            for name, stmt in field_statements(node):
                message = self._message(ctx, name, stmt, notes.get(name, ""))
                if message:
                    facts.append([qualname, message, ctx.fact_span(stmt.annotation.annotation)])
        if facts:
            ctx.summary.facts[self.rule_id] = facts

    @staticmethod
    def _message(ctx: FileContext, name: str, stmt: cst.AnnAssign, note: str) -> str | None:
        annotation = ctx.qualify(stmt.annotation.annotation)
        if annotation == "builtins.str" and URL_NAME.search(name):
            default = string_value(stmt.value) if stmt.value is not None else None
            if not default or "{" in default or "://" not in default:
                return None
            scheme = default.split("://", 1)[0].lower()
            kind = SCHEMES.get(scheme) or SCHEMES.get(scheme.split("+", 1)[0])
            if kind is None:
                return None
            return f"`{name}: str` holds a `{scheme}://` URL that is only checked when first used; type it `{kind}`"
        if annotation in ("builtins.int", "builtins.float"):
            words = set(name.upper().split("_"))
            if words & UNITS.keys():
                return None  # the name says the unit (`TOKEN_EXPIRE_MINUTES`); see UNITS
            written = unit_in(note)
            if not (words & DURATION_WORDS) and written is None:
                return None
            unit = written or "seconds"
            value = stmt.value.value if isinstance(stmt.value, cst.Integer) else "..."
            where = "its comment or docstring" if written else "its name"
            return (
                f"`{name}: {annotation.removeprefix('builtins.')}` is a duration whose unit only {where} tells; "
                f"type it `timedelta` (e.g. `{name}: timedelta = timedelta({unit}={value})`)"
            )
        return None


@register
class TypedSettings(ProjectCheck):
    rule_id = "pydantic-typed-settings"

    def check(self, project: Project) -> None:
        kinds = ClassKinds(project)
        for summary in project.summaries.values():
            for qualname, message, span in summary.facts.get(self.rule_id, ()):
                if kinds.kind(qualname) == SETTINGS:
                    project.report(self.rule_id, summary.path, tuple(span), message)


# --- pydantic-settings-per-domain -----------------------------------------------------------------------

# prefixes of app-wide infrastructure settings: one class may hold these whatever the number of domains
INFRA_PREFIXES = frozenset(
    {"DATABASE", "DB", "POSTGRES", "POSTGRESQL", "PG", "SQLALCHEMY", "REDIS", "CACHE", "CORS", "APP", "API",
     "SERVER", "HOST", "LOG", "LOGGING", "ENV", "ENVIRONMENT", "DEBUG", "SITE", "PROJECT", "SECRET", "SENTRY",
     "OTEL", "OTLP", "HTTP", "CELERY", "BROKER", "WORKER", "DEFAULT", "BASE", "ALLOWED", "TRUSTED", "FRONTEND",
     "BACKEND", "MAX", "MIN", "ENABLE", "USE", "IS"}
)  # fmt: skip
MIN_GROUP = 2


@register
class SettingsPerDomainFacts(FileCheck):
    """Phase 1: the field names of classes (for the one-big-class branch), and reads of `<obj>.<FIELD>` in a
    domain module where the field is named after that domain (for the misplaced-field branch)."""

    rule_id = "pydantic-settings-per-domain"
    node_types = (cst.Attribute,)

    def check(self, ctx: FileContext) -> None:
        if ctx.placement.in_tests:
            return
        fields = {}
        for qualname, node in ctx.indexer.class_nodes.items():
            if node.bases:
                names = [n for n, _ in field_statements(node) if n != "model_config"]
                if names:
                    fields[qualname] = names
        reads = []
        domain = domain_of(ctx)
        if domain is not None:
            prefixes = _domain_prefixes(domain)
            for node, scope in ctx.nodes(cst.Attribute):
                attr = node.attr.value
                if not attr.upper().startswith(prefixes) or attr.upper().partition("_")[0] in INFRA_PREFIXES:
                    continue
                owner = ctx.qualify(node.value, scope)
                if owner and not owner.startswith(f"{ctx.module}.") and "()" not in owner:
                    reads.append([owner, attr, ctx.fact_span(node)])
        if fields or reads:
            ctx.summary.facts[self.rule_id] = [fields, reads]


def _domain_prefixes(domain: str) -> tuple[str, ...]:
    """`payments` -> `PAYMENTS_`, `PAYMENT_`; `policies` -> `POLICIES_`, `POLICY_`."""
    name = domain.upper()
    forms = {name}
    if name.endswith("IES"):
        forms.add(name[:-3] + "Y")
    elif name.endswith("S"):
        forms.add(name[:-1])
    return tuple(f"{f}_" for f in sorted(forms))


@register
class SettingsPerDomain(ProjectCheck):
    rule_id = "pydantic-settings-per-domain"

    def check(self, project: Project) -> None:
        kinds = ClassKinds(project)
        fields: dict[str, list[str]] = {}
        reads = []
        for summary in project.summaries.values():
            data = summary.facts.get(self.rule_id)
            if data:
                fields.update(data[0])
                reads += [(summary, *r) for r in data[1]]
        settings = [
            (cls, summary)
            for cls, summary in project.classes.values()
            if kinds.kind(cls.qualname) == SETTINGS and not kinds.is_in_tests(summary)
        ]
        if len(settings) == 1:
            self._one_class(project, kinds, fields, *settings[0])
        for summary, owner, attr, span in reads:
            self._read(project, kinds, fields, summary, owner, attr, span)

    def _one_class(self, project: Project, kinds: ClassKinds, fields, cls, summary) -> None:
        names = [n for c in reversed(kinds.project_bases(cls.qualname)) for n in fields.get(c, ())]
        groups: dict[str, list[str]] = {}
        for name in names:
            head, sep, _ = name.upper().partition("_")
            if sep and head not in INFRA_PREFIXES:
                groups.setdefault(head, []).append(name)
        groups = {k: v for k, v in groups.items() if len(v) >= MIN_GROUP}
        if len(groups) < 2 or len(_sibling_packages(project, summary.path)) < 2:
            return
        shown = sorted(groups, key=lambda k: (-len(groups[k]), k))
        listed = ", ".join(f"`{k}_*`" for k in shown[:5]) + (f" and {len(shown) - 5} more" if len(shown) > 5 else "")
        project.report(
            self.rule_id,
            summary.path,
            cls.span,
            f"`{cls.name}` is the only settings class and mixes the groups {listed}; move each group into a "
            "`BaseSettings` class in its domain's `config.py`",
        )

    def _read(self, project: Project, kinds: ClassKinds, fields, summary, owner: str, attr: str, span) -> None:
        module, _, var = owner.rpartition(".")
        source = project.module_of.get(module)
        if source is None or var not in source.assigned_calls:
            return
        found = kinds.find(source.assigned_calls[var])
        if found is None or kinds.kind(found[0].qualname) != SETTINGS:
            return
        if attr not in {n for c in kinds.project_bases(found[0].qualname) for n in fields.get(c, ())}:
            return
        reader = placement(summary.path, project.config).domain
        if placement(source.path, project.config).domain == reader:
            return
        project.report(
            self.rule_id,
            summary.path,
            tuple(span),
            f"`{var}.{attr}` is a `{reader}` setting kept in `{found[0].name}` of `{source.module}`; move it to a "
            f"settings class in `{reader}`'s `config.py`",
        )


def _sibling_packages(project: Project, path: str) -> set[str]:
    """Packages next to the settings module: `src/config.py` -> the domains under `src/`."""
    parent = PurePosixPath(path).parent.parts
    depth = len(parent)
    skip = GLOBAL_PACKAGES | {"tests", "test", "migrations", "alembic"}
    out = set()
    for other in project.summaries:
        parts = PurePosixPath(other).parts
        if parts[:depth] != parent or len(parts) <= depth + 1 or parts[depth] in skip:
            continue
        if not placement(other, project.config).in_tests:
            out.add(parts[depth])
    return out
