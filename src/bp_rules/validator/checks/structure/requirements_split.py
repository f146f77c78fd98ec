"""`structure-requirements-split`: runtime and development dependencies are kept apart (requirements files or
dependency groups)."""

from __future__ import annotations

import re
import tomllib
from pathlib import PurePosixPath

from bp_rules.validator.project import Project
from bp_rules.validator.registry import ProjectCheck, register

DEV_TOOLS = frozenset(
    {
        "pytest", "ruff", "mypy", "coverage", "pre-commit", "black", "isort", "flake8", "pylint", "pyright",
        "tox", "nox", "ipdb", "bandit", "autoflake", "autopep8", "yapf", "pyflakes", "pycodestyle",
    }
)  # fmt: skip


_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def dev_tool(requirement: str) -> str | None:
    match = _REQ_NAME.match(requirement)
    if not match:
        return None
    name = _normalize(match.group(1))
    if name in DEV_TOOLS or name.startswith(("pytest-", "types-", "flake8-", "mypy-")):
        return name
    return None


@register
class RequirementsSplit(ProjectCheck):
    rule_id = "structure-requirements-split"

    def check(self, project: Project) -> None:
        for path, text in sorted(project.project_files.items()):
            name = PurePosixPath(path).name
            if name == "requirements.txt":
                self._requirements(project, path, text)
            elif name == "pyproject.toml":
                self._pyproject(project, path, text)

    def _requirements(self, project: Project, path: str, text: str) -> None:
        if _exported_from_groups(project, path, text):
            return  # the split lives in the pyproject's groups; this file is an export of them
        for number, line in enumerate(text.splitlines(), start=1):
            stripped = line.split("#", 1)[0].strip()
            if not stripped or stripped.startswith("-"):
                continue
            tool = dev_tool(stripped)
            if tool:
                project.report(
                    self.rule_id,
                    path,
                    (number, 1, number, len(line) + 1),
                    f"development tool `{tool}` is in the flat `{path}`, so it ships to production; move it to "
                    "`requirements/dev.txt` (starting with `-r base.txt`)",
                )

    def _pyproject(self, project: Project, path: str, text: str) -> None:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            return
        if _declares_groups(data):
            return
        deps = data.get("project", {}).get("dependencies", [])
        tools = [d for d in deps if isinstance(d, str) and dev_tool(d)]
        poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {})
        tools += [n for n in poetry if isinstance(n, str) and dev_tool(n)] if isinstance(poetry, dict) else []
        lines = text.splitlines()
        for requirement in tools:
            number = _line_of(lines, requirement)
            tool = dev_tool(requirement)
            project.report(
                self.rule_id,
                path,
                (number, 1, number, len(lines[number - 1]) + 1 if lines else 1),
                f"development tool `{tool}` is a runtime dependency in `{path}`; move it to a "
                "`[dependency-groups] dev` table",
            )


EXPORT_HEADER = re.compile(r"^#.*\b(?:uv|poetry|pdm)\s+export\b", re.MULTILINE)


def _exported_from_groups(project: Project, path: str, text: str) -> bool:
    """A requirements file a tool writes (`uv export`, `poetry export`) from a pyproject with dependency groups."""
    if not EXPORT_HEADER.search("\n".join(text.splitlines()[:5])):
        return False
    folder = path.rpartition("/")[0]
    pyproject = project.project_files.get(f"{folder}/pyproject.toml" if folder else "pyproject.toml")
    try:
        return pyproject is not None and _declares_groups(tomllib.loads(pyproject))
    except tomllib.TOMLDecodeError:
        return False


def _declares_groups(data: dict) -> bool:
    tool = data.get("tool", {})
    poetry = tool.get("poetry", {})
    return bool(
        data.get("dependency-groups")
        or data.get("project", {}).get("optional-dependencies")
        or poetry.get("group")
        or poetry.get("dev-dependencies")
        or tool.get("uv", {}).get("dev-dependencies")
        or tool.get("pdm", {}).get("dev-dependencies")
        or tool.get("hatch", {}).get("envs")
    )


def _line_of(lines: list[str], requirement: str) -> int:
    """The line that declares a requirement: its quoted string, or a `name = ...` key (Poetry)."""
    name = _REQ_NAME.match(requirement).group(1) if _REQ_NAME.match(requirement) else requirement
    for number, line in enumerate(lines, start=1):
        if f'"{requirement}"' in line or f"'{requirement}'" in line:
            return number
    key = re.compile(rf"^\s*{re.escape(name)}\s*=", re.IGNORECASE)
    for number, line in enumerate(lines, start=1):
        if key.match(line):
            return number
    return 1
