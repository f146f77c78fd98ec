"""Table and column names: lower snake case, singular table names prefixed by their module, consistent foreign
key names, `_at` for datetimes and `_date` for dates."""

from __future__ import annotations

import re
from itertools import pairwise

import libcst as cst

from bp_rules.validator.analysis.db_schema import SNAKE, Table, looks_plural, schema, singular_name
from bp_rules.validator.context import FileContext
from bp_rules.validator.registry import FileCheck, register

DATE_WORDS = frozenset({"date", "birthday", "birthdate"})  # and `date_of_...`: a date word before a preposition
TIME_SUFFIXES = ("_datetime", "_timestamp", "_time", "_date", "_ts", "_dt", "_on")
# names a suffix cannot fix by itself: a bare kind word, or a phrase ending in a preposition (`snoozed_until`)
GENERIC_TIME_NAMES = frozenset({"timestamp", "time", "datetime", "date", "ts", "dt", "when"})
PREPOSITIONS = ("_until", "_by", "_from", "_to", "_since", "_before", "_after", "_of")


def snake(name: str) -> str:
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip())
    return re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_") or name.lower()


# --- table and column names ------------------------------------------------------------------------------


@register
class LowerSnakeNames(FileCheck):
    rule_id = "db-lower-snake-names"
    node_types = (cst.Call,)

    def check(self, ctx: FileContext) -> None:
        found = schema(ctx)
        for table in found.tables:
            if table.name is None or table.node is None or table.implicit or SNAKE.match(table.name):
                continue
            ctx.report(
                self.rule_id,
                table.node,
                f"table name `{table.name}` is not lower_case_snake, so every hand-written query must quote it; "
                f"rename it to `{snake(table.name)}`",
            )
        for column in found.columns():
            if SNAKE.match(column.name):
                continue
            ctx.report(
                self.rule_id,
                column.node,
                f"column name `{column.name}` is not lower_case_snake, so every hand-written query must quote it; "
                f"rename it to `{snake(column.name)}`",
            )


@register
class SingularTableNames(FileCheck):
    rule_id = "db-singular-table-names"
    node_types = (cst.Call,)

    def check(self, ctx: FileContext) -> None:
        for table in schema(ctx).tables:
            if table.name is None or table.node is None:
                continue
            last = table.name.rpartition("_")[2]
            if not looks_plural(last):
                continue
            where = f"SQLModel names the table of `{table.name}` after its class; " if table.implicit else ""
            ctx.report(
                self.rule_id,
                table.node,
                f"{where}table name `{table.name}` looks plural; name the table after one row, "
                f"`{singular_name(table.name)}`",
            )


@register
class ModulePrefixTables(FileCheck):
    rule_id = "db-module-prefix-tables"
    node_types = (cst.Call,)

    def check(self, ctx: FileContext) -> None:
        place = ctx.placement
        if place.role != "models" or place.domain is None or place.source_root is None:
            return
        if ctx.path != f"{place.source_root}/{place.domain}/{ctx.path.rsplit('/', 1)[-1]}":
            return  # only `src/<domain>/models.py`: deeper packages are not domains
        tables: dict[str, Table] = {}
        for table in schema(ctx).tables:
            if table.name and table.node is not None and table.source in ("model", "sqlmodel", "core"):
                tables.setdefault(table.name, table)
        if len(tables) < 2:
            return
        domain = place.domain
        prefixes = {domain, singular_name(domain)}

        def carries(name: str) -> bool:
            return any(name == p or name.startswith(p + "_") for p in prefixes)

        prefix = singular_name(domain)
        with_prefix = [n for n in tables if carries(n)]
        if with_prefix:
            offenders = [n for n in tables if not carries(n)]
        else:
            stems = {n.split("_", 1)[0] for n in tables}
            if len(stems) == 1 and all("_" in n or n in stems for n in tables):
                return  # the tables share their own stem (`user_account`, `user_session` in `auth`)
            offenders = list(tables)
        for name in offenders:
            ctx.report(
                self.rule_id,
                tables[name].node,
                f"table `{name}` in `{ctx.path}` does not carry the module prefix `{prefix}_`; name it "
                f"`{prefix}_{name}` or move it to the domain it belongs to",
            )


@register
class ConsistentFkNames(FileCheck):
    rule_id = "db-consistent-fk-names"
    node_types = (cst.Call,)

    def check(self, ctx: FileContext) -> None:
        for table in schema(ctx).tables:
            if table.name is None or not self._is_link_table(table):
                continue
            targets = [c.fk for c in table.columns if c.fk]
            words = table.name.split("_")
            for column in table.columns:
                target = column.fk
                if not target or target == table.name or targets.count(target) > 1:
                    continue  # a self-reference, or two keys to one table that need role names
                expected = {f"{target}_id", f"{singular_name(target)}_id"}
                if column.name in expected:
                    continue
                stem = column.name.removesuffix("_id").split("_")
                if stem and any(words[i : i + len(stem)] == stem for i in range(len(words))):
                    continue  # the key names the role the table is about (`team_member.member_id`)
                ctx.report(
                    self.rule_id,
                    column.node,
                    f"link table `{table.name}` calls its key to `{target}` `{column.name}`; name it "
                    f"`{singular_name(target)}_id` like every generic table does, or use a name that states "
                    "a narrower role",
                )

    @staticmethod
    def _is_link_table(table: Table) -> bool:
        keys = [c for c in table.columns if c.fk]
        if len(keys) < 2:
            return False
        return all(c.fk or c.name == "id" or c.kind is not None or c.name.endswith("_at") for c in table.columns)


def _suggest(name: str, suffix: str) -> str:
    what = "moment" if suffix == "_at" else "day"
    if name.lower() in GENERIC_TIME_NAMES or name.endswith(PREPOSITIONS):
        return f"a name ending in `{suffix}` that says which {what} it holds"
    base = name.removeprefix("date_") if suffix == "_date" else name  # `date_added` -> `added_date`
    for ending in TIME_SUFFIXES:
        if base.endswith(ending) and len(base) > len(ending):
            base = base[: -len(ending)]
            break
    return f"`{base}{suffix}`"


class _SuffixCheck(FileCheck):
    node_types = (cst.Call,)
    kind: str
    suffix: str
    noun: str

    def allowed(self, name: str) -> bool:
        return name.endswith(self.suffix)

    def check(self, ctx: FileContext) -> None:
        seen: set[int] = set()
        for column in schema(ctx).columns():
            if column.kind != self.kind or self.allowed(column.name) or id(column.node) in seen:
                continue
            seen.add(id(column.node))
            ctx.report(
                self.rule_id,
                column.node,
                f"{self.noun} column `{column.name}` does not end in `{self.suffix}`; rename it to "
                f"{_suggest(column.name, self.suffix)}",
            )


@register
class DatetimeAtSuffix(_SuffixCheck):
    rule_id = "db-datetime-at-suffix"
    kind = "datetime"
    suffix = "_at"
    noun = "datetime"


@register
class DateDateSuffix(_SuffixCheck):
    rule_id = "db-date-date-suffix"
    kind = "date"
    suffix = "_date"
    noun = "date"

    def allowed(self, name: str) -> bool:
        words = name.split("_")
        before_preposition = any(w == "date" and f"_{after}" in PREPOSITIONS for w, after in pairwise(words))
        return name.endswith(self.suffix) or name in DATE_WORDS or before_preposition
