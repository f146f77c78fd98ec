"""Database naming checks: the constraint naming convention, table and column names (catalog 6.11)."""

from __future__ import annotations

import re
from itertools import pairwise

import libcst as cst

from bp_rules.validator.analysis.db_schema import (
    SNAKE,
    Table,
    looks_plural,
    sa_last,
    schema,
    singular_name,
)
from bp_rules.validator.analysis.migration_files import is_migration
from bp_rules.validator.analysis.statements import assigned_name, call_last, class_statements
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import keyword_arg, positional, string_value
from bp_rules.validator.registry import FileCheck, register

CONVENTION_KEYS = ("ix", "uq", "ck", "fk", "pk")
CONSTRAINT_KEYS = {
    "Index": "ix",
    "UniqueConstraint": "uq",
    "CheckConstraint": "ck",
    "ForeignKeyConstraint": "fk",
    "PrimaryKeyConstraint": "pk",
}
DECLARATIVE_BASES = frozenset({"sqlalchemy.orm.DeclarativeBase", "sqlalchemy.orm.decl_api.DeclarativeBase"})
DECLARATIVE_FACTORIES = frozenset(
    {
        "sqlalchemy.orm.declarative_base",
        "sqlalchemy.orm.decl_api.declarative_base",
        "sqlalchemy.ext.declarative.declarative_base",
    }
)
CONSTRAINT_KEYWORDS = ("primary_key", "unique", "index")
METADATA_CALLS = frozenset({"MetaData", "Table", "reflect", "declarative_base"})
DATE_WORDS = frozenset({"date", "birthday", "birthdate"})  # and `date_of_...`: a date word before a preposition
TIME_SUFFIXES = ("_datetime", "_timestamp", "_time", "_date", "_ts", "_dt", "_on")
# names a suffix cannot fix by itself: a bare kind word, or a phrase ending in a preposition (`snoozed_until`)
GENERIC_TIME_NAMES = frozenset({"timestamp", "time", "datetime", "date", "ts", "dt", "when"})
PREPOSITIONS = ("_until", "_by", "_from", "_to", "_since", "_before", "_after", "_of")


def snake(name: str) -> str:
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip())
    return re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_") or name.lower()


def _module_assignments(tree: cst.Module) -> dict[str, cst.BaseExpression]:
    """Module-level `NAME = value` statements."""
    out: dict[str, cst.BaseExpression] = {}
    for stmt in tree.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                pair = assigned_name(small)
                if pair is not None and pair[1] is not None:
                    out[pair[0].value] = pair[1]
    return out


# --- db-naming-convention --------------------------------------------------------------------------------


@register
class NamingConvention(FileCheck):
    rule_id = "db-naming-convention"
    node_types = (cst.Call,)

    def check(self, ctx: FileContext) -> None:
        if ctx.placement.in_tests or is_migration(ctx):
            return  # test fixtures and migrations build throwaway metadata for reflection and data steps
        assignments = _module_assignments(ctx.tree)
        calls = [
            (node, scope, ctx.qualify(node.func, scope))
            for node, scope in ctx.nodes(cst.Call)
            if call_last(node) in METADATA_CALLS
        ]
        metadata_calls = [(n, s) for n, s, name in calls if sa_last(name) == "MetaData"]
        has_convention = False
        for node, scope in metadata_calls:
            arg = keyword_arg(node, "naming_convention")
            if arg is not None:
                has_convention = True
                self._complete(ctx, arg.value, assignments)
            elif scope is None and not any(a.star == "**" for a in node.args) and self._behind_tables(ctx, node, calls):
                ctx.report(
                    self.rule_id,
                    node,
                    "`MetaData()` has no `naming_convention`, so the database invents constraint names that "
                    "migrations cannot rely on; pass `naming_convention={...}` with `ix`, `uq`, `ck`, `fk` and `pk`",
                )
        for node, scope, name in calls:
            if scope is None and name in DECLARATIVE_FACTORIES and keyword_arg(node, "metadata") is None:
                if has_convention:
                    continue
                ctx.report(
                    self.rule_id,
                    node,
                    f"`{name.rpartition('.')[2]}()` keeps SQLAlchemy's default metadata, which has no naming "
                    "convention; pass `metadata=MetaData(naming_convention={...})`",
                )
        if has_convention:
            return
        for info in ctx.summary.classes:
            if info.nested or not DECLARATIVE_BASES.intersection(info.bases):
                continue
            node = ctx.indexer.class_nodes.get(info.qualname)
            if node is None or self._sets_metadata(ctx, node, info.name):
                continue
            ctx.report(
                self.rule_id,
                node.name,
                f"declarative base `{info.name}` keeps SQLAlchemy's default metadata, which has no naming "
                "convention; add `metadata = MetaData(naming_convention={...})` with `ix`, `uq`, `ck`, `fk` and `pk`",
            )

    def _complete(self, ctx: FileContext, value: cst.BaseExpression, assignments) -> None:
        if isinstance(value, cst.Name) and value.value in assignments:
            value = assignments[value.value]
        if not isinstance(value, cst.Dict):
            return  # built elsewhere: nothing to read here
        keys: set[str] = set()
        for element in value.elements:
            if not isinstance(element, cst.DictElement):
                return  # `**OTHER`: keys we cannot see
            key = string_value(element.key)
            if key is None:
                key = CONSTRAINT_KEYS.get(sa_last(ctx.qualify(element.key)) or "")
            if key is None:
                return
            keys.add(key)
        missing = [k for k in CONVENTION_KEYS if k not in keys]
        if missing:
            ctx.report(
                self.rule_id,
                value,
                f"the naming convention has no template for {', '.join(f'`{k}`' for k in missing)}, so those "
                "constraints get names the database invents; add the missing keys",
            )

    def _behind_tables(self, ctx: FileContext, node: cst.Call, calls) -> bool:
        """Whether a convention-less MetaData names constraints: not one only reflected or for keyless tables."""
        if keyword_arg(node, "bind") is not None:
            return False  # the legacy reflection idiom
        variable = None
        for stmt in ctx.tree.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    pair = assigned_name(small)
                    if pair is not None and pair[1] is node:
                        variable = pair[0].value
        if variable is None:
            return True
        tables = []
        for call, _scope, name in calls:
            if sa_last(name) == "Table":
                meta = positional(call, 1)
                if meta is not None and isinstance(meta.value, cst.Name) and meta.value.value == variable:
                    tables.append(call)
            func = call.func
            if (
                isinstance(func, cst.Attribute)
                and func.attr.value == "reflect"
                and isinstance(func.value, cst.Name)
                and func.value.value == variable
            ):
                return False
        if not tables:
            return True
        return any(self._has_constraints(ctx, table) for table in tables)

    @staticmethod
    def _has_constraints(ctx: FileContext, table: cst.Call) -> bool:
        for arg in table.args[2:]:
            value = arg.value
            if not isinstance(value, cst.Call):
                continue
            last = sa_last(ctx.qualify(value.func)) or ""
            if last in CONSTRAINT_KEYS:
                return True
            if last == "Column":
                for inner in value.args:
                    keyword = inner.keyword.value if inner.keyword is not None else None
                    is_false = isinstance(inner.value, cst.Name) and inner.value.value == "False"
                    if keyword in CONSTRAINT_KEYWORDS and not is_false:
                        return True
                    if (
                        inner.keyword is None
                        and isinstance(inner.value, cst.Call)
                        and sa_last(ctx.qualify(inner.value.func)) == "ForeignKey"
                    ):
                        return True
        return False

    @staticmethod
    def _sets_metadata(ctx: FileContext, node: cst.ClassDef, name: str) -> bool:
        for stmt in class_statements(node):
            pair = assigned_name(stmt)
            if pair is not None and pair[0].value in ("metadata", "registry"):
                return True
        # `Base.metadata.naming_convention = ...` or `Base.metadata = ...` later in the module
        for stmt in ctx.tree.body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                if isinstance(small, cst.Assign):
                    for target in small.targets:
                        code = cst.Module([]).code_for_node(target.target)
                        if code.startswith(f"{name}.metadata"):
                            return True
        return False


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
