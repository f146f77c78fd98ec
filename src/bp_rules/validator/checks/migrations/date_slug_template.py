"""`migrations-date-slug-template`: Alembic's `file_template` names revisions by date and slug."""

from __future__ import annotations

import re

from bp_rules.validator import alembic_config
from bp_rules.validator.analysis.migration_files import module_function, revision_of
from bp_rules.validator.context import FileContext
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register

TEMPLATE_DATE = re.compile(
    r"^%\(year\)d[-_]?%\(month\)(?:\.2d|02d|d)[-_]?%\(day\)(?:\.2d|02d|d)"
)  # the template starts with the date


DATED_FILE = re.compile(r"^\d{4}[-_]?\d{2}[-_]?\d{2}")


def good_template(template: str) -> bool:
    return bool(TEMPLATE_DATE.match(template)) and "%(slug)s" in template


@register
class DateSlugTemplateFacts(FileCheck):
    """Records each revision's identifiers, so phase 2 can tell which revisions came after the first dated one."""

    rule_id = "migrations-date-slug-template"

    def check(self, ctx: FileContext) -> None:
        if module_function(ctx, "upgrade") is None:
            return
        found = revision_of(ctx.tree)
        if found is not None:
            ctx.summary.facts.setdefault(self.rule_id, []).append([found.revision, list(found.down_revisions)])


@register
class DateSlugTemplate(ProjectCheck):
    rule_id = "migrations-date-slug-template"
    TEMPLATE = "%%(year)d-%%(month).2d-%%(day).2d_%%(slug)s"

    def check(self, project: Project) -> None:
        setup = alembic_config.read_setup(project.project_files, list(project.summaries))
        for problem in setup.problems:
            project.report(self.rule_id, problem.path, (problem.line, 1, problem.line, 1), problem.message)
        self._templates(project, setup)
        self._files(project)

    def _templates(self, project: Project, setup: alembic_config.AlembicSetup) -> None:
        ini = [f for f in setup.files if f.path.endswith("alembic.ini")]
        toml = [f for f in setup.files if f.section == "tool.alembic"]
        # Alembic reads `[alembic]` of the ini first, then `[tool.alembic]`; report where the template lives
        main = [f for f in ini if f.section == "alembic"] or ini
        templated = [f for f in (*main, *toml) if f.file_template is not None or "file_template" in f.unreadable]
        for entry in templated:
            template = entry.file_template
            if template is not None and not good_template(template.value):
                where = f"[{entry.section}]"
                project.report(
                    self.rule_id,
                    entry.path,
                    (template.line, 1, template.line, 1),
                    f"`file_template` in `{where}` is `{template.value.replace('%', '%%')}`, so revision files do "
                    f"not sort by date or say what they change; set `file_template = {self.TEMPLATE}`",
                )
        if templated or not (ini or toml):
            return
        # no template anywhere: Alembic names files `<rev>_<slug>.py`
        entry = (toml if toml and not any(f.script_location for f in main) else main or toml)[0]
        project.report(
            self.rule_id,
            entry.path,
            (entry.section_line, 1, entry.section_line, 1),
            f"`[{entry.section}]` sets no `file_template`, so Alembic names revisions `<hash>_<slug>.py`, which "
            f"sort in no useful order; set `file_template = {self.TEMPLATE}`",
        )

    def _files(self, project: Project) -> None:
        revisions: dict[str, tuple[str, list[str]]] = {}  # revision -> (path, down revisions)
        for path, summary in project.summaries.items():
            for revision, down in summary.facts.get(self.rule_id, []):
                revisions[revision] = (path, down)
        dated: dict[str, bool] = {}

        def after_dated(revision: str, seen: frozenset[str] = frozenset()) -> bool:
            """Whether a dated revision comes before this one."""
            if revision in dated:
                return dated[revision]
            result = False
            if revision not in seen and revision in revisions:
                for parent in revisions[revision][1]:
                    entry = revisions.get(parent)
                    if entry is None:
                        continue
                    if DATED_FILE.match(entry[0].rsplit("/", 1)[-1]) or after_dated(parent, seen | {revision}):
                        result = True
                        break
            dated[revision] = result
            return result

        for revision, (path, _down) in sorted(revisions.items(), key=lambda item: item[1][0]):
            name = path.rsplit("/", 1)[-1]
            if DATED_FILE.match(name) or not after_dated(revision):
                continue
            project.report(
                self.rule_id,
                path,
                (1, 1, 1, 1),
                f"revision `{name}` is named hash-first although earlier revisions are dated, so it sorts out of "
                "order; rename it `YYYY-MM-DD_<slug>.py` from its Create Date",
            )
