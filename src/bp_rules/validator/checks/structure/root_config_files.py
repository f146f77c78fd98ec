"""`structure-root-config-files`: `alembic.ini` and its migrations at the root, logging configured from a
file (or `dictConfig`), `.env` in `.gitignore`."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import pathspec

from bp_rules.validator.analysis.layout import LINE_ONE, TABLE_CALLS, ClassKinds, Layout
from bp_rules.validator.analysis.summaries import all_calls
from bp_rules.validator.analysis.tables import record_table_classes, table_facts
from bp_rules.validator.context import FileContext
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register

LOGGING_FILES = (
    "logging.ini", "logging.conf", "logging.cfg", "logging.yaml", "logging.yml", "logging.json", "log_conf.yaml",
    "log_conf.yml", "log_config.yaml", "log_config.yml", "log_config.json",
)  # fmt: skip


LOGGING_CALLS = ("logging.config.", "structlog.configure", "logfire.configure", "loguru.logger.configure")


_SQLA_LINE = re.compile(r"""^\s*["']?(sqlalchemy|sqlmodel|flask-sqlalchemy)\b(?!\.)""", re.IGNORECASE)


@register
class RootConfigTables(FileCheck):
    rule_id = "structure-root-config-files"

    def check(self, ctx: FileContext) -> None:
        record_table_classes(ctx, self.rule_id)


@register
class RootConfigFiles(ProjectCheck):
    rule_id = "structure-root-config-files"

    def check(self, project: Project) -> None:
        layout = Layout.of(project)
        self._alembic(project, layout)
        self._logging(project, layout)
        self._dotenv(project)

    def _alembic(self, project: Project, layout: Layout) -> None:
        files = project.project_files
        if any(PurePosixPath(p).name == "alembic.ini" for p in files):
            return
        pyproject = files.get("pyproject.toml", "")
        if "[tool.alembic]" in pyproject:
            return
        root = project.config.root
        if any((root / d).is_dir() for d in project.config.migrations_dirs):
            return
        if not self._declares_tables(project, layout):
            return
        for path in ["pyproject.toml", *sorted(p for p in files if PurePosixPath(p).name.startswith("requirements"))]:
            text = files.get(path)
            if text is None:
                continue
            for number, line in enumerate(text.splitlines(), start=1):
                if _SQLA_LINE.match(line):
                    project.report(
                        self.rule_id,
                        path,
                        (number, 1, number, len(line) + 1),
                        "the project declares SQLAlchemy tables but has no `alembic.ini` or migrations folder; "
                        "run `alembic init -t async alembic` and manage the schema with migrations",
                    )
                    return

    @staticmethod
    def _declares_tables(project: Project, layout: Layout) -> bool:
        kinds = ClassKinds.of(project)
        tables, abstract = table_facts(project, RootConfigFiles.rule_id)
        for path, summary in project.summaries.items():
            place = layout.place(path)
            if place.in_tests or place.in_migrations:
                continue
            if any(c.name in TABLE_CALLS for c in summary.module_calls):
                return True
            if any(not cls.nested and kinds.is_orm(cls, abstract, tables) for cls in summary.classes):
                return True
        return False

    def _logging(self, project: Project, layout: Layout) -> None:
        if not layout.manifest_at_root():
            return
        mains = [m for m in (layout.root_main(r) for r in layout.roots) if m]
        if not mains:
            return
        root = project.config.root
        if any(name in project.project_files or (root / name).is_file() for name in LOGGING_FILES):
            return
        for summary in project.summaries.values():
            for call in all_calls(summary):
                name = call.name
                if name.startswith(LOGGING_CALLS) or name == "logging.basicConfig" or "log_config" in call.keywords:
                    return
        for main in mains:
            project.report(
                self.rule_id,
                main,
                LINE_ONE,
                "the app never configures logging (no `logging.ini` and no `logging.config` call), so it logs "
                "with whatever defaults uvicorn, gunicorn or tests set; add a `logging.ini` or call "
                "`logging.config.dictConfig(...)` at startup",
            )

    def _dotenv(self, project: Project) -> None:
        files = project.project_files
        if ".env" not in files:
            return
        ignore = files.get(".gitignore", "")
        spec = pathspec.PathSpec.from_lines("gitignore", ignore.splitlines())
        if spec.match_file(".env"):
            return
        project.report(
            self.rule_id,
            ".env",
            LINE_ONE,
            "`.env` is not matched by `.gitignore`, so local secrets are one `git add .` away from the repository; "
            "add `.env` to `.gitignore`",
        )
