"""Classes in the module their role names: schemas in `schemas.py` (`structure-schemas-in-schemas`), ORM
classes and Core tables in `models.py` (`structure-orm-in-models`), settings in `config.py`
(`structure-settings-in-config`), exceptions in `exceptions.py` (`structure-exceptions-in-exceptions`)."""

from __future__ import annotations

import libcst as cst

from bp_rules.validator.analysis.layout import TABLE_CALLS, ClassKinds, Layout, report_per_file, role_file, subject
from bp_rules.validator.analysis.misplaced import placed, pronoun, public_classes, role_home
from bp_rules.validator.analysis.tables import assign_targets, record_table_classes, table_facts
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import keyword_arg, positional
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register
from bp_rules.validator.summary import FileSummary

# the shape of a component's configuration (`S3Configuration` next to its client), not an API contract
CONFIG_SUFFIXES = ("Config", "Configuration", "Settings")


@register
class SchemasInSchemas(ProjectCheck):
    rule_id = "structure-schemas-in-schemas"

    def check(self, project: Project) -> None:
        kinds = ClassKinds.of(project)
        items = []
        for place, summary in placed(project):
            # global modules (`src/models.py` with the base model, `src/pagination.py`) may hold shared models
            if Layout.of(project).domain(place) is None or place.role in ("schemas", "config"):
                continue
            for cls in public_classes(summary):
                if kinds.is_schema(cls) and not cls.name.endswith(CONFIG_SUFFIXES):
                    items.append((place.path, cls.span, cls.name))

        def message(path: str, labels: list[str]) -> str:
            place = Layout.of(project).place(path)
            return (
                f"{subject(labels, 'Pydantic model')} declared in `{path}`; move request and response "
                f"models to {role_home(place, project, 'schemas')} and import them"
            )

        report_per_file(project, self.rule_id, items, message)


METADATA = frozenset({"sqlalchemy.MetaData", "sqlalchemy.schema.MetaData", "sqlalchemy.sql.schema.MetaData"})


@register
class OrmTableClasses(FileCheck):
    rule_id = "structure-orm-in-models"

    def check(self, ctx: FileContext) -> None:
        record_table_classes(ctx, self.rule_id)
        # module-level Core tables (`post_like = Table("post_like", metadata, ...)`), with their metadata
        for stmt in ctx.tree.body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                value = small.value if isinstance(small, (cst.Assign, cst.AnnAssign)) else None
                if not isinstance(value, cst.Call) or ctx.qualify(value.func) not in TABLE_CALLS:
                    continue
                targets = assign_targets(small)
                name = targets[0].value if len(targets) == 1 and isinstance(targets[0], cst.Name) else "Table(...)"
                arg = positional(value, 1) or keyword_arg(value, "metadata")
                metadata = ctx.qualify(arg.value) if arg is not None else ""
                ctx.summary.facts.setdefault(self.rule_id, []).append(
                    ["core_table", ctx.fact_span(value), metadata, name]
                )


@register
class OrmInModels(ProjectCheck):
    rule_id = "structure-orm-in-models"

    def check(self, project: Project) -> None:
        kinds = ClassKinds.of(project)
        tables, abstract = table_facts(project, self.rule_id)
        items = []
        for place, summary in placed(project):
            if place.role == "models" or (place.role == "database" and place.domain is None):
                continue
            for cls in summary.classes:
                if not cls.nested and kinds.is_orm(cls, abstract, tables):
                    items.append((place.path, cls.span, cls.name))
            for fact in summary.facts.get(self.rule_id, []):
                if fact and fact[0] == "core_table" and not self._own_metadata(summary, fact[2]):
                    items.append((place.path, tuple(fact[1]), fact[3] if len(fact) > 3 else "Table(...)"))

        def message(path: str, labels: list[str]) -> str:
            place = Layout.of(project).place(path)
            return (
                f"{subject(labels, 'table')} declared in `{path}`; move {pronoun(labels)} to "
                f"{role_home(place, project, 'models')} "
                f"(Core tables may also live in `{place.root}/{role_file(project, 'database')}`)"
            )

        report_per_file(project, self.rule_id, items, message)

    @staticmethod
    def _own_metadata(summary: FileSummary, metadata: str) -> bool:
        """A table on a `MetaData()` made in the same module: another schema (a second database, an analytics
        store), not one the app's migrations manage."""
        var = metadata.removeprefix(summary.module + ".")
        return metadata.startswith(summary.module + ".") and summary.assigned_calls.get(var) in METADATA


@register
class SettingsInConfig(ProjectCheck):
    rule_id = "structure-settings-in-config"

    def check(self, project: Project) -> None:
        kinds = ClassKinds.of(project)
        items = []
        for place, summary in placed(project):
            if place.role == "config":
                continue
            for cls in summary.classes:
                if not cls.nested and kinds.is_settings(cls):
                    items.append((place.path, cls.span, cls.name))

        def message(path: str, labels: list[str]) -> str:
            place = Layout.of(project).place(path)
            return (
                f"{subject(labels, 'settings class', 'settings classes')} declared in `{path}`; "
                f"move {pronoun(labels)} to {role_home(place, project, 'config')} and import the instance"
            )

        report_per_file(project, self.rule_id, items, message)


@register
class ExceptionsInExceptions(ProjectCheck):
    rule_id = "structure-exceptions-in-exceptions"

    def check(self, project: Project) -> None:
        kinds = ClassKinds.of(project)
        items = []
        for place, summary in placed(project):
            if place.role == "exceptions":
                continue
            for cls in public_classes(summary):
                if kinds.is_exception(cls):
                    items.append((place.path, cls.span, cls.name))

        def message(path: str, labels: list[str]) -> str:
            place = Layout.of(project).place(path)
            private = "it with `_` if it never leaves" if len(labels) == 1 else "with `_` those that never leave"
            return (
                f"{subject(labels, 'exception')} declared in `{path}`; move {pronoun(labels)} to "
                f"{role_home(place, project, 'exceptions')} (or prefix {private} this module)"
            )

        report_per_file(project, self.rule_id, items, message)
