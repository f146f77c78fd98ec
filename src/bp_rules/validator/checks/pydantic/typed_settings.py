"""`pydantic-typed-settings`: connection strings are typed `PostgresDsn`/`RedisDsn`/`AnyHttpUrl` and
durations `timedelta`, not bare `str` and `int`."""

from __future__ import annotations

import re

import libcst as cst

from bp_rules.validator.analysis.pydantic_kinds import SETTINGS, ClassKinds
from bp_rules.validator.analysis.pydantic_syntax import field_statements
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import string_value
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register

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
    return _unit_word(UNIT_IN_TEXT.search(text))


def _unit_word(match: re.Match | None) -> str | None:
    if match is None:
        return None
    word = (match.group(1) or match.group(2)).lower()
    word = word[:-1] if word.endswith("s") and word[:-1] in TEXT_UNITS else word
    return TEXT_UNITS.get(word, word if word.endswith("s") else None)


# a number next to a unit word gives the total (`3600  # 60 minutes`), not the unit the value is in
TOTAL_IN_TEXT = re.compile(r"\b(\d+)\s*(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?)\b", re.I)
ISO_UNITS = {"seconds": "PT{}S", "minutes": "PT{}M", "hours": "PT{}H", "days": "P{}D", "weeks": "P{}W"}


def duration_message(name: str, annotation: str, value: str, note: str) -> str:
    """The `timedelta` an `int` duration becomes, and that its environment values change with the type: a
    `timedelta` rejects a plain number there and reads ISO 8601."""
    total = TOTAL_IN_TEXT.search(note)
    written = unit_in(note)
    if total is not None:
        amount, unit = total.group(1), unit_in(total.group(0)) or "seconds"
    else:
        amount, unit = value, written or "seconds"
    where = "its comment or docstring" if written else "its name"
    iso = ISO_UNITS.get(unit, "PT{}S").format(amount) if amount.isdigit() else "PT15M"
    existing = f"`{name}={value}`" if value.isdigit() else "a plain number"
    return (
        f"`{name}: {annotation}` is a duration whose unit only {where} tells; type it `timedelta` "
        f"(`{name}: timedelta = timedelta({unit}={amount})`) and rename it or rewrite its environment values "
        f"with it: a `timedelta` rejects {existing} there and reads ISO 8601 (`{iso}`)"
    )


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
            value = stmt.value.value if isinstance(stmt.value, cst.Integer) else "..."
            return duration_message(name, annotation.removeprefix("builtins."), value, note)
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
