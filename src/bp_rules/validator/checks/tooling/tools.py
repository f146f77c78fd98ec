"""Tooling checks: ruff is configured or run (`tooling-ruff`), invoked through a subcommand
(`tooling-ruff-check-subcommand`), and not doubled by black, isort, autoflake or plain flake8
(`tooling-no-redundant-formatters`). They read project files only (see `project_files`)."""

from __future__ import annotations

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from bp_rules.validator.analysis.project_files import (
    ProjectFiles,
    YStr,
    basename,
    commands,
    is_pyproject,
    lacks_subcommand,
    project_files,
    ruff_arguments,
    table,
)
from bp_rules.validator.project import Project
from bp_rules.validator.registry import ProjectCheck, register

# --- tooling-project-file-parses --------------------------------------------------------------------------


@register
class ProjectFileParses(ProjectCheck):
    """A project file that does not parse is one finding of its own; the rules that read it stay quiet."""

    rule_id = "tooling-project-file-parses"

    def check(self, project: Project) -> None:
        files = project_files(project)
        for path in sorted(files.files):
            files.parse(path)
        for path, (span, message) in sorted(files.problems.items()):
            project.report(self.rule_id, path, span, message)


# --- tooling-ruff ----------------------------------------------------------------------------------------


@register
class RuffConfigured(ProjectCheck):
    rule_id = "tooling-ruff"

    def check(self, project: Project) -> None:
        files = project_files(project)
        if files.parse_failed:
            return  # what the broken file says is unknown: stay quiet about ruff
        pyprojects = files.paths(is_pyproject)
        if not pyprojects or files.ruff_configured or files.ruff_runs:
            return
        root = min(pyprojects, key=lambda p: (p.count("/"), p))
        declared = [d for d in files.dependencies if d.name == "ruff"]
        in_pyproject = [d for d in declared if is_pyproject(d.path)]
        for dependency in in_pyproject:
            project.report(
                self.rule_id,
                dependency.path,
                dependency.span,
                f"`{dependency.text}` installs ruff, but nothing configures or runs it; add a `[tool.ruff]` table "
                "and run `ruff check --fix` and `ruff format` from pre-commit, CI or a lint script",
            )
        if in_pyproject:
            return
        where = f" (it is only installed, in {declared[0].path})" if declared else ""
        project.report(
            self.rule_id,
            root,
            (1, 1, 1, 1),
            f"ruff is neither configured nor run in this project{where}; add `ruff>=0.6` to the dev dependencies, "
            "a `[tool.ruff]` table, and run `ruff check --fix` and `ruff format`",
        )


# --- tooling-ruff-check-subcommand -----------------------------------------------------------------------


def _suggestion(command: list[str], arguments: list[str]) -> str:
    at = len(command) - len(arguments)
    fixed = [*command[:at], "check", *(a for a in arguments if a != "<files>")]
    return " ".join(fixed)


def _shown(command: list[str]) -> str:
    return " ".join(a for a in command if a != "<files>")


@register
class RuffSubcommand(ProjectCheck):
    rule_id = "tooling-ruff-check-subcommand"

    def check(self, project: Project) -> None:
        files = project_files(project)
        reported: set[tuple[str, int]] = set()
        for command in files.shell_commands():
            tokens = list(command.tokens)
            arguments = ruff_arguments(tokens)
            if arguments is None or not lacks_subcommand(arguments) or (command.path, command.line) in reported:
                continue
            reported.add((command.path, command.line))
            project.report(
                self.rule_id,
                command.path,
                self._line_span(files, command.path, command.line),
                f"`{_shown(tokens)}` runs ruff without a subcommand, which current ruff rejects; "
                f"use `{_suggestion(tokens, arguments)}` (or `ruff format` to format)",
            )
        for path, entry, command in files.pre_commit_entries():
            arguments = ruff_arguments(command)
            if arguments is None or not lacks_subcommand(arguments):
                continue
            written = commands(entry)[0]
            fixed = _suggestion(written, ruff_arguments(written) or [])
            project.report(
                self.rule_id,
                path,
                (entry.line, entry.col, entry.line, entry.col + len(entry)),
                f"pre-commit entry `{entry}` runs ruff without a subcommand, which current ruff rejects; use "
                f"`entry: {fixed}`",
            )

    @staticmethod
    def _line_span(files: ProjectFiles, path: str, line: int):
        lines = files.files[path].splitlines()
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        col = len(text) - len(text.lstrip())
        return (line, col + 1, line, len(text.rstrip()) + 1)


# --- tooling-no-redundant-formatters ---------------------------------------------------------------------

FIXES = {
    "black": "format with `ruff format`",
    "isort": "sort imports with ruff's `I` rules",
    "autoflake": "ruff's `F401`/`F841` fixes remove unused imports and variables",
    "flake8": "select the matching ruff rules",
}
HOOKS = {"black": "black", "black-jupyter": "black", "isort": "isort", "autoflake": "autoflake", "flake8": "flake8"}
SETUP_CFG_SECTIONS = {"flake8": "flake8", "isort": "isort", "tool:isort": "isort", "autoflake": "autoflake"}
# flake8 plugins ruff implements (or that only load configuration): keeping flake8 for them is redundant
RUFF_IMPLEMENTS = frozenset(
    canonicalize_name(n)
    for n in (
        "flake8-2020", "flake8-annotations", "flake8-async", "flake8-bandit", "flake8-blind-except",
        "flake8-boolean-trap", "flake8-bugbear", "flake8-builtins", "flake8-commas", "flake8-comprehensions",
        "flake8-copyright", "flake8-datetimez", "flake8-debugger", "flake8-django", "flake8-docstrings",
        "flake8-eradicate", "flake8-errmsg", "flake8-executable", "flake8-fixme", "flake8-future-annotations",
        "flake8-gettext", "flake8-implicit-str-concat", "flake8-import-conventions", "flake8-isort",
        "flake8-logging", "flake8-logging-format", "flake8-no-pep420", "flake8-pie", "flake8-print",
        "flake8-pyi", "flake8-pytest-style", "flake8-quotes", "flake8-raise", "flake8-return", "flake8-self",
        "flake8-simplify", "flake8-slots", "flake8-tidy-imports", "flake8-todos", "flake8-type-checking",
        "flake8-unused-arguments", "flake8-use-pathlib", "flake8-black", "flake8-pyproject", "flake8-polyfill",
        "flake8-plugin-utils", "flake8-trio", "flake8-noqa",
    )
)  # fmt: skip
OTHER_FLAKE8_PLUGINS = frozenset({"wemake-python-styleguide", "darglint", "dlint", "pydoclint"})


def _flake8_kept_for_a_plugin(files: ProjectFiles) -> bool:
    """flake8 next to ruff is fine when it runs a plugin that ruff does not implement."""
    names = {d.name for d in files.dependencies}
    for _, _, hook in files.pre_commit_hooks():
        extra = hook.get("additional_dependencies")
        for item in extra if isinstance(extra, list) else []:
            try:
                names.add(canonicalize_name(Requirement(str(item)).name))
            except InvalidRequirement:
                continue
    return any((n.startswith("flake8-") or n in OTHER_FLAKE8_PLUGINS) and n not in RUFF_IMPLEMENTS for n in names)


@register
class NoRedundantFormatters(ProjectCheck):
    rule_id = "tooling-no-redundant-formatters"

    def check(self, project: Project) -> None:
        files = project_files(project)
        ruff = files.ruff_configured or files.ruff_runs or any(d.name == "ruff" for d in files.dependencies)
        if ruff:
            tools = {"black", "isort", "autoflake"}
            if not _flake8_kept_for_a_plugin(files):
                tools.add("flake8")
            self._dependencies(project, files, tools)
            self._tool_tables(project, files, tools)
            self._config_files(project, files, tools)
            self._hooks(project, files, tools)

    def _dependencies(self, project: Project, files: ProjectFiles, tools: set[str]) -> None:
        for dependency in files.dependencies:
            if dependency.name in tools:
                project.report(
                    self.rule_id,
                    dependency.path,
                    dependency.span,
                    f"`{dependency.text}` installs {dependency.name} beside ruff; drop it and {FIXES[dependency.name]}",
                )

    def _tool_tables(self, project: Project, files: ProjectFiles, tools: set[str]) -> None:
        for path in files.paths(is_pyproject):
            data = files.toml(path)
            if data is None:
                continue
            text = files.toml_text(path)
            for name in sorted(tools & set(table(data, "tool"))):
                region = text.region(("tool", name))
                if region is None:  # only sub-tables (`[tool.black.x]`) or dotted keys
                    region = next(((line, line) for p, _, line in text.headers if p[:2] == ("tool", name)), None)
                span = text.line_span(region[0]) if region is not None else (1, 1, 1, 1)
                project.report(
                    self.rule_id,
                    path,
                    span,
                    f"`[tool.{name}]` configures {name} beside ruff; move what matters to `[tool.ruff]`, drop it and "
                    f"{FIXES[name]}",
                )

    def _config_files(self, project: Project, files: ProjectFiles, tools: set[str]) -> None:
        for path in files.paths(lambda p: basename(p) in ("setup.cfg", ".flake8", ".isort.cfg")):
            parser = files.ini(path)
            if parser is None:
                continue
            name = basename(path)
            for section in parser.sections():
                tool = SETUP_CFG_SECTIONS.get(section) if name == "setup.cfg" else name.strip(".").split(".")[0]
                if tool not in tools:
                    continue
                project.report(
                    self.rule_id,
                    path,
                    files.section_span(path, section),
                    f"`[{section}]` in {name} configures {tool} beside ruff; move what matters to `[tool.ruff]`, "
                    f"drop it and {FIXES[tool]}",
                )
                if name != "setup.cfg":
                    break  # one finding for a whole .flake8 or .isort.cfg

    def _hooks(self, project: Project, files: ProjectFiles, tools: set[str]) -> None:
        for path, _, hook in files.pre_commit_hooks():
            hook_id = hook.get("id")
            tool = HOOKS.get(str(hook_id)) if isinstance(hook_id, YStr) else None
            if tool not in tools:
                continue
            project.report(
                self.rule_id,
                path,
                (hook_id.line, hook_id.col, hook_id.line, hook_id.col + len(hook_id)),
                f"pre-commit hook `{hook_id}` runs {tool} beside ruff; drop it and {FIXES[tool]} "
                "(the `ruff-check`/`ruff-format` hooks)",
            )
