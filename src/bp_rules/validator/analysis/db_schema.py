"""What a file says about the database schema: tables and columns from models, Core tables and migrations.

Shared by the `db-*` naming checks. Sources, all resolved through qualified names:

- declarative classes: `__tablename__ = "..."`, attributes typed `Mapped[...]` or assigned `mapped_column(...)` /
  `Column(...)` (mixins without a table name included);
- SQLModel classes with `table=True` (their name defaults to the class name in lower case), with the fields of
  SQLModel bases in the same file;
- Core tables: `Table("name", metadata, Column("col", Type), ...)`;
- migrations: `op.create_table(...)`, `op.add_column(...)`, `op.rename_table(...)`,
  `op.alter_column(..., new_column_name=...)` and their `batch_alter_table` forms.

The schema of one file is built once and shared by every check that runs on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst

from bp_rules.validator.analysis.migration_files import is_migration
from bp_rules.validator.analysis.statements import assigned_name, call_last, class_statements
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import keyword_arg, positional, string_value

SA_PREFIXES = ("sqlalchemy.", "sqlmodel.")
DATETIME_TYPES = frozenset({"DateTime", "DATETIME", "TIMESTAMP", "DATETIME2", "DATETIMEOFFSET", "SMALLDATETIME"})
DATE_TYPES = frozenset({"Date", "DATE"})
ALEMBIC_OP = "alembic.op."
BATCH = "alembic.op.batch_alter_table()."
SNAKE = re.compile(r"^[a-z_][a-z0-9_]*$")


READ_CALLS = frozenset({"Table", "create_table", "rename_table", "add_column", "alter_column"})


def sa_last(name: str) -> str | None:
    """`Column` for `sqlalchemy.Column`, `sqlalchemy.schema.Column`, `sqlmodel.Column`; None otherwise."""
    if name.startswith(SA_PREFIXES) and "()" not in name:
        return name.rpartition(".")[2]
    return None


def type_kind(name: str) -> str | None:
    """`datetime` or `date` for a SQLAlchemy column type; `other` for another SQLAlchemy type; None if unknown."""
    last = sa_last(name)
    if last is None:
        return None
    if name.startswith("sqlalchemy.dialects.oracle."):
        return "other"  # Oracle's DATE carries a time of day
    if last in DATETIME_TYPES:
        return "datetime"
    if last in DATE_TYPES:
        return "date"
    return "other" if last[:1].isupper() else None


@dataclass
class Column:
    name: str  # the column's name in the database
    node: cst.CSTNode  # where a rename happens: the name string, or the attribute name
    kind: str | None = None  # "datetime", "date" or None
    fk: str | None = None  # the table a single-column foreign key points at
    primary_key: bool = False


@dataclass
class Table:
    name: str | None  # None for a mixin or a model whose table name is computed
    node: cst.CSTNode | None  # the table name string (or the class name of an implicit SQLModel name)
    source: str  # "model", "sqlmodel", "core", "migration", "rename"
    columns: list[Column] = field(default_factory=list)
    implicit: bool = False  # the name is SQLModel's default, not written anywhere


@dataclass
class Schema:
    tables: list[Table] = field(default_factory=list)
    added_columns: list[Column] = field(default_factory=list)  # `op.add_column`, renames: tables defined elsewhere

    def columns(self):
        for table in self.tables:
            yield from table.columns
        yield from self.added_columns


_CACHE: list = [None, None]  # [tree, schema]: the checks of one file share one schema


def schema(ctx: FileContext) -> Schema:
    if _CACHE[0] is ctx.tree:
        return _CACHE[1]
    result = _Reader(ctx).read()
    _CACHE[0], _CACHE[1] = ctx.tree, result
    return result


def unwrap_optional(ctx: FileContext, node: cst.BaseExpression) -> cst.BaseExpression | None:
    """`T` from `T`, `T | None`, `Optional[T]`, `Union[T, None]`; None when several types remain."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        parts = [p for p in (node.left, node.right) if not _is_none(p)]
        return unwrap_optional(ctx, parts[0]) if len(parts) == 1 else None
    if isinstance(node, cst.Subscript):
        head = ctx.qualify(node.value)
        elements = [e.slice.value for e in node.slice if isinstance(e.slice, cst.Index)]
        if head in ("typing.Optional", "typing_extensions.Optional") and len(elements) == 1:
            return unwrap_optional(ctx, elements[0])
        if head in ("typing.Union", "typing_extensions.Union"):
            parts = [p for p in elements if not _is_none(p)]
            return unwrap_optional(ctx, parts[0]) if len(parts) == 1 else None
    return node


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def python_kind(ctx: FileContext, annotation: cst.BaseExpression | None) -> str | None:
    """`datetime` or `date` for a `datetime.datetime` / `datetime.date` annotation (optional or not)."""
    if annotation is None:
        return None
    inner = unwrap_optional(ctx, annotation)
    if inner is None:
        return None
    name = ctx.qualify(inner)
    return {"datetime.datetime": "datetime", "datetime.date": "date"}.get(name)


def fk_target(value: str | None) -> str | None:
    """`profile` from `"profile.id"` or `"auth.profile.id"`."""
    if not value or "." not in value:
        return None
    parts = value.split(".")
    return parts[-2] or None


class _Reader:
    def __init__(self, ctx: FileContext):
        self.ctx = ctx
        self.out = Schema()

    def q(self, node: cst.BaseExpression | None, scope=None) -> str:
        return self.ctx.qualify(node, scope)

    def read(self) -> Schema:
        # in a revision, models and Core tables are snapshots of tables that exist: only `op.*` defines
        revision = is_migration(self.ctx)
        if not revision:
            self._classes()
        for node, scope in self.ctx.nodes(cst.Call):
            if call_last(node) not in READ_CALLS:
                continue  # cheap syntactic filter before resolving the name
            name = self.q(node.func, scope)
            last = sa_last(name)
            if last == "Table":
                if not revision:
                    self._core_table(node, scope)
            elif (name.startswith(ALEMBIC_OP) or name.startswith(BATCH)) and not _in_downgrade(scope):
                self._op(node, scope, name)
        return self.out

    # --- columns ------------------------------------------------------------------------------------

    def is_column_call(self, node: cst.BaseExpression | None, scope=None) -> str | None:
        """`Column` or `mapped_column` when the node calls one."""
        if not isinstance(node, cst.Call):
            return None
        last = sa_last(self.q(node.func, scope))
        return last if last in ("Column", "mapped_column") else None

    def column_call(self, node: cst.Call, scope, attribute: cst.Name | None, annotation=None) -> Column | None:
        """A column from `Column(...)` / `mapped_column(...)`; the attribute names it unless a name is given."""
        args = [a for a in node.args if a.keyword is None and not a.star]
        name_node: cst.CSTNode | None = attribute
        name = attribute.value if attribute is not None else None
        rest = args
        if args and string_value(args[0].value) is not None:
            name_node, name, rest = args[0].value, string_value(args[0].value), args[1:]
        if name is None or name_node is None:
            return None
        kind: str | None = None
        explicit: str | None = None
        type_arg = keyword_arg(node, "type_")
        candidates = ([type_arg] if type_arg is not None else []) + rest
        fk: str | None = None
        for arg in candidates:
            value = arg.value
            callee = self.q(value.func if isinstance(value, cst.Call) else value, scope)
            last = sa_last(callee)
            if last == "ForeignKey" and isinstance(value, cst.Call):
                target = positional(value, 0) or keyword_arg(value, "column")
                fk = fk or fk_target(string_value(target.value) if target else None)
                continue
            if explicit is None and type_kind(callee) is not None:
                explicit = type_kind(callee)
        if explicit in ("datetime", "date"):
            kind = explicit
        elif explicit is None:
            kind = python_kind(self.ctx, annotation)
        primary = keyword_arg(node, "primary_key")
        is_pk = primary is not None and isinstance(primary.value, cst.Name) and primary.value.value == "True"
        return Column(name, name_node, kind, fk, is_pk)

    # --- declarative and SQLModel classes -------------------------------------------------------------

    def _classes(self) -> None:
        ctx = self.ctx
        infos = {info.qualname: info for info in ctx.summary.classes}
        sqlmodel_tables: list[str] = []
        for qualname, node in ctx.indexer.class_nodes.items():
            info = infos.get(qualname)
            if info is None:
                continue
            if dict(info.keywords).get("table") == "True" and self._is_sqlmodel(qualname, infos, set()):
                sqlmodel_tables.append(qualname)
                continue
            table = self._declarative(node)
            if table is not None:
                self.out.tables.append(table)
        done: set[str] = set()  # SQLModel bases shared by several tables are read once
        for qualname in sqlmodel_tables:
            node = ctx.indexer.class_nodes[qualname]
            name_node, name = _tablename(node)
            implicit = name is None
            table = Table(name or node.name.value.lower(), name_node or node.name, "sqlmodel", implicit=implicit)
            for cls in [qualname, *self._sqlmodel_bases(qualname, infos)]:
                if cls in done:
                    continue
                done.add(cls)
                table.columns += self._sqlmodel_fields(ctx.indexer.class_nodes[cls])
            self.out.tables.append(table)

    def _is_sqlmodel(self, qualname: str, infos, seen: set[str]) -> bool:
        info = infos.get(qualname)
        if info is None or qualname in seen:
            return False
        seen.add(qualname)
        for base in info.bases:
            if base in ("sqlmodel.SQLModel", "sqlmodel.main.SQLModel") or self._is_sqlmodel(base, infos, seen):
                return True
        return False

    def _sqlmodel_bases(self, qualname: str, infos) -> list[str]:
        out: list[str] = []
        stack = list(infos[qualname].bases)
        while stack:
            base = stack.pop()
            if base in infos and base not in out and self._is_sqlmodel(base, infos, set()):
                out.append(base)
                stack.extend(infos[base].bases)
        return out

    def _declarative(self, node: cst.ClassDef) -> Table | None:
        name_node, name = _tablename(node)
        columns: list[Column] = []
        for stmt in class_statements(node):
            pair = assigned_name(stmt)
            if pair is None:
                continue
            target, value = pair
            annotation = stmt.annotation.annotation if isinstance(stmt, cst.AnnAssign) else None
            mapped = self._mapped_inner(annotation)
            if self.is_column_call(value):
                column = self.column_call(value, None, target, mapped)
            elif mapped is not None and value is None:
                column = Column(target.value, target, python_kind(self.ctx, mapped))
            else:
                continue
            if column is not None:
                columns.append(column)
        if name is None and not columns:
            return None
        return Table(name, name_node, "model", columns)

    def _mapped_inner(self, annotation: cst.BaseExpression | None) -> cst.BaseExpression | None:
        if isinstance(annotation, cst.Subscript) and sa_last(self.q(annotation.value)) == "Mapped":
            elements = [e.slice.value for e in annotation.slice if isinstance(e.slice, cst.Index)]
            return elements[0] if len(elements) == 1 else None
        return None

    def _sqlmodel_fields(self, node: cst.ClassDef) -> list[Column]:
        out: list[Column] = []
        for stmt in class_statements(node):
            if not isinstance(stmt, cst.AnnAssign) or not isinstance(stmt.target, cst.Name):
                continue
            target, value = stmt.target, stmt.value
            annotation = stmt.annotation.annotation
            head = self.q(annotation.value if isinstance(annotation, cst.Subscript) else annotation)
            if head in ("typing.ClassVar", "typing_extensions.ClassVar") or target.value.startswith("__"):
                continue
            callee = self.q(value.func) if isinstance(value, cst.Call) else ""
            if callee.rpartition(".")[2] == "Relationship" and callee.startswith("sqlmodel."):
                continue
            fk: str | None = None
            if isinstance(value, cst.Call) and callee.startswith("sqlmodel.") and callee.endswith("Field"):
                sa_column = keyword_arg(value, "sa_column")
                if sa_column is not None and self.is_column_call(sa_column.value):
                    column = self.column_call(sa_column.value, None, target, annotation)
                    if column is not None:
                        out.append(column)
                    continue
                foreign = keyword_arg(value, "foreign_key")
                fk = fk_target(string_value(foreign.value)) if foreign is not None else None
            out.append(Column(target.value, target, python_kind(self.ctx, annotation), fk))
        return out

    # --- Core tables and migrations -----------------------------------------------------------------

    def _table_args(self, node: cst.Call, scope, start: int) -> list[Column]:
        columns: list[Column] = []
        args = [a for a in node.args if a.keyword is None and not a.star]
        fk_constraints: dict[str, str] = {}
        for arg in args[start:]:
            if self.is_column_call(arg.value, scope):
                column = self.column_call(arg.value, scope, None)
                if column is not None:
                    columns.append(column)
            elif isinstance(arg.value, cst.Call) and sa_last(self.q(arg.value.func, scope)) == "ForeignKeyConstraint":
                local, remote = positional(arg.value, 0), positional(arg.value, 1)
                if local is None or remote is None:
                    continue
                names = _string_list(local.value)
                targets = _string_list(remote.value)
                if names and targets and len(names) == 1 and len(targets) == 1:
                    fk_constraints[names[0]] = fk_target(targets[0]) or ""
        for column in columns:
            if column.fk is None and fk_constraints.get(column.name):
                column.fk = fk_constraints[column.name]
        return columns

    def _core_table(self, node: cst.Call, scope) -> None:
        if any(keyword_arg(node, k) is not None for k in ("autoload", "autoload_with", "extend_existing")):
            return  # a reflected table: the database defines it, this only reads it
        first = positional(node, 0)
        name = string_value(first.value) if first is not None else None
        if name is None:
            return
        columns = self._table_args(node, scope, 2)
        if not any(c.primary_key for c in columns) and not self._has_primary_key_constraint(node, scope):
            return  # no key: a query-only mirror of a table another system owns (an analytics store)
        self.out.tables.append(Table(name, first.value, "core", columns))

    def _has_primary_key_constraint(self, node: cst.Call, scope) -> bool:
        return any(
            isinstance(a.value, cst.Call) and sa_last(self.q(a.value.func, scope)) == "PrimaryKeyConstraint"
            for a in node.args
        )

    def _op(self, node: cst.Call, scope, callee: str) -> None:
        method = callee.rpartition(".")[2]
        batch = callee.startswith(BATCH)
        if method == "create_table" and not batch:
            first = positional(node, 0) or keyword_arg(node, "table_name")
            name = string_value(first.value) if first is not None else None
            if name is not None:
                self.out.tables.append(Table(name, first.value, "migration", self._table_args(node, scope, 1)))
        elif method == "rename_table" and not batch:
            new = positional(node, 1) or keyword_arg(node, "new_table_name")
            name = string_value(new.value) if new is not None else None
            if name is not None:
                self.out.tables.append(Table(name, new.value, "rename"))
        elif method == "add_column":
            arg = positional(node, 0 if batch else 1) or keyword_arg(node, "column")
            if arg is not None and self.is_column_call(arg.value, scope):
                column = self.column_call(arg.value, scope, None)
                if column is not None:
                    self.out.added_columns.append(column)
        elif method == "alter_column":
            new = keyword_arg(node, "new_column_name")
            name = string_value(new.value) if new is not None else None
            if name is None:
                return
            kind = None
            for key in ("type_", "existing_type"):
                arg = keyword_arg(node, key)
                if arg is not None:
                    value = arg.value
                    found = type_kind(self.q(value.func if isinstance(value, cst.Call) else value, scope))
                    if found in ("datetime", "date"):
                        kind = found
            self.out.added_columns.append(Column(name, new.value, kind))


def _in_downgrade(scope) -> bool:
    """Inside a revision's `downgrade()`, which restores the names that existed before: nothing to choose."""
    while scope is not None and scope.parent is not None:
        scope = scope.parent
    return scope is not None and scope.info.name == "downgrade" and scope.info.in_class is None


def _tablename(node: cst.ClassDef) -> tuple[cst.BaseExpression | None, str | None]:
    for stmt in class_statements(node):
        pair = assigned_name(stmt)
        if pair is not None and pair[0].value == "__tablename__" and pair[1] is not None:
            value = string_value(pair[1])
            if value is not None:
                return pair[1], value
    return None, None


def _string_list(node: cst.BaseExpression) -> list[str] | None:
    if not isinstance(node, (cst.List, cst.Tuple)):
        return None
    out = []
    for el in node.elements:
        value = string_value(el.value)
        if value is None:
            return None
        out.append(value)
    return out


# --- words ------------------------------------------------------------------------------------------------

# words that end in `s` and name one thing (or have no singular), so a table may be called by them
SINGULAR_S = frozenset(
    {
        "settings", "news", "series", "species", "status", "analytics", "statistics", "stats", "logistics",
        "diagnostics", "physics", "mathematics", "economics", "politics", "ethics", "graphics", "metadata",
        "kudos", "chaos", "cosmos", "ethos", "canvas", "alias", "atlas", "bias", "gas", "lens", "yes",
        "kubernetes", "postgres", "redis", "sms", "dns", "gps", "aws", "cms", "ios", "macos", "os", "https",
        "saas", "paas", "iaas", "faas", "plus", "bonus", "campus", "corpus", "census", "consensus", "radius",
        "apparatus", "nexus", "syllabus", "prospectus", "thesis", "basis", "axis", "analysis",
        "diagnosis", "synopsis", "emphasis", "hypothesis", "crisis", "oasis", "tennis", "iris", "christmas",
        "premises", "headquarters", "means", "whereabouts", "lyrics", "cors", "preferences", "credentials",
    }
)  # fmt: skip
IRREGULAR_PLURALS = {"people": "person", "children": "child", "men": "man", "women": "woman", "mice": "mouse"}
SINGULAR_ENDINGS = ("ss", "us", "is", "ous")


def looks_plural(word: str) -> bool:
    word = word.lower()
    if word in IRREGULAR_PLURALS:
        return True
    if len(word) <= 3 or not word.endswith("s") or word in SINGULAR_S:
        return False
    return not word.endswith(SINGULAR_ENDINGS)


def singular(word: str) -> str:
    """A best guess at the singular of a plural-looking word: `likes` -> `like`, `categories` -> `category`."""
    lower = word.lower()
    if lower in IRREGULAR_PLURALS:
        return IRREGULAR_PLURALS[lower]
    if not looks_plural(lower):
        return word
    if lower.endswith("ies") and len(lower) > 4:
        return word[:-3] + "y"
    if lower.endswith(("sses", "shes", "ches", "xes", "zzes", "uses")):
        return word[:-2]
    return word[:-1]


def singular_name(name: str) -> str:
    """`post_likes` -> `post_like`: the last word of a snake-case name made singular."""
    head, sep, last = name.rpartition("_")
    return f"{head}{sep}{singular(last)}"
