"""`db-naming-convention`: the `MetaData` behind the tables has a `naming_convention=` covering `ix`, `uq`,
`ck`, `fk` and `pk`."""

from __future__ import annotations

import libcst as cst

from bp_rules.validator.analysis.db_schema import sa_last
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
