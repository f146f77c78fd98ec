"""Where a project keeps its Alembic migrations, read from `alembic.ini` and `[tool.alembic]` in pyproject.toml.

Both files are parsed the way Alembic reads them: `alembic.ini` with `configparser` and its `%` interpolation
(so `%%(slug)s` in the file is the template token `%(slug)s`, and `%(here)s` is the file's folder), and
pyproject.toml with `tomllib`, where Alembic applies the same `%` substitution to every string. The folders
found here (plus `migrations-dirs` from the bp-rules configuration) decide where the migration rules apply.
"""

from __future__ import annotations

import configparser
import posixpath
import re
import tomllib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bp_rules.schema.models import Rule
    from bp_rules.validator.config import Config

HERE = "\x00here\x00"  # stands for `%(here)s` until the file's folder is known
DEFAULT_DIRS = ("alembic", "migrations")  # the folders the built-in records' `applies_to` globs name
_SECTION = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]")
_TOML_TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?")


@dataclass
class Setting:
    value: str
    line: int


@dataclass
class AlembicFile:
    """One Alembic configuration: an `alembic.ini` section or pyproject's `[tool.alembic]`."""

    path: str  # the file, relative to the project root
    section: str  # `alembic` (or another ini section), `tool.alembic` for pyproject.toml
    section_line: int
    script_location: str | None = None  # relative POSIX folder, resolved
    version_locations: tuple[str, ...] = ()
    file_template: Setting | None = None  # interpolated, e.g. `%(year)d-%(month).2d-%(day).2d_%(slug)s`
    url: str | None = None
    unreadable: tuple[str, ...] = ()  # keys Alembic would fail to read (reported as problems)


@dataclass
class AlembicProblem:
    path: str
    line: int
    message: str


@dataclass
class AlembicSetup:
    files: list[AlembicFile] = field(default_factory=list)
    problems: list[AlembicProblem] = field(default_factory=list)

    def script_dirs(self, config: Config | None = None) -> list[str]:
        found = [f.script_location for f in self.files if f.script_location]
        defaults = list(config.migrations_dirs) if config is not None else list(DEFAULT_DIRS)
        return _unique([*defaults, *found])

    def version_dirs(self, config: Config | None = None) -> list[str]:
        out = [join_path(d, "versions") for d in self.script_dirs(config)]
        for f in self.files:
            out.extend(f.version_locations)
        return _unique(out)


def _unique(items) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


def join_path(base: str, rest: str) -> str:
    return rest if base in ("", ".") else f"{base}/{rest}"


def read_setup(project_files: dict[str, str], python_paths: list[str] | None = None) -> AlembicSetup:
    setup = AlembicSetup()
    packages = _package_dirs(python_paths or [])
    for path in sorted(project_files):
        name = path.rsplit("/", 1)[-1]
        if name == "alembic.ini":
            _read_ini(setup, path, project_files[path], packages)
        elif name == "pyproject.toml":
            _read_pyproject(setup, path, project_files[path], packages)
    return setup


def _package_dirs(python_paths: list[str]) -> dict[str, list[str]]:
    """Package folder name -> folders holding it (`dispatch` -> [`src/dispatch`])."""
    out: dict[str, list[str]] = {}
    for path in python_paths:
        if path.endswith("/__init__.py") or path == "__init__.py":
            folder = path.rsplit("/", 1)[0] if "/" in path else ""
            if folder:
                out.setdefault(folder.rsplit("/", 1)[-1], []).append(folder)
    return out


def _resolve(value: str, base: str, packages: dict[str, list[str]]) -> str | None:
    """A script or version location as a folder relative to the project root; None when outside or unknown."""
    value = value.strip()
    if not value:
        return None
    if value.startswith(HERE):
        rel = join_path(base, value[len(HERE) :].lstrip("/"))
    elif ":" in value and not value.startswith("/"):
        package, _, rest = value.partition(":")
        parts = package.split(".")
        candidates = [d for d in packages.get(parts[-1], []) if d.replace("/", ".").endswith(package)]
        if not candidates:
            return None
        rel = join_path(min(candidates, key=len), rest)
    elif value.startswith("/"):
        return None
    else:
        rel = join_path(base, value)
    rel = posixpath.normpath(rel)
    return None if rel.startswith("..") else rel


def _folder(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def _read_ini(setup: AlembicSetup, path: str, text: str, packages) -> None:
    parser = configparser.ConfigParser(defaults={"here": HERE})
    try:
        parser.read_string(text, source=path)
    except configparser.Error as exc:
        line = getattr(exc, "lineno", None) or (exc.errors[0][0] if getattr(exc, "errors", None) else 1)
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        setup.problems.append(AlembicProblem(path, line, f"Alembic cannot read `{path}`: {message}"))
        return
    base = _folder(path)
    lines = text.splitlines()
    for section in parser.sections():
        has_main = parser.has_option(section, "script_location") or parser.has_option(section, "file_template")
        if section != "alembic" and not has_main:
            continue
        entry = AlembicFile(path, section, _ini_section_line(lines, section))
        for key in ("script_location", "file_template", "version_locations", "sqlalchemy.url"):
            if not parser.has_option(section, key):
                continue
            line = _ini_key_line(lines, section, key)
            try:
                value = parser.get(section, key)
            except configparser.InterpolationError as exc:
                reason = str(exc).splitlines()[0]
                setup.problems.append(
                    AlembicProblem(
                        path, line, f"Alembic cannot read `{key}` in `[{section}]` of `{path}`: {reason}; write "
                        "every literal `%` as `%%`",
                    )
                )  # fmt: skip
                entry.unreadable += (key,)
                continue
            if key == "script_location":
                entry.script_location = _resolve(value, base, packages)
            elif key == "file_template":
                entry.file_template = Setting(value.strip(), line)
            elif key == "version_locations":
                found = (_resolve(v, base, packages) for v in re.split(r"[,;\s]+", value))
                entry.version_locations = tuple(v for v in found if v)
            else:
                entry.url = value.strip()
        setup.files.append(entry)


def _ini_section_line(lines: list[str], section: str) -> int:
    for number, line in enumerate(lines, start=1):
        match = _SECTION.match(line)
        if match and match.group(1) == section:
            return number
    return 1


def _ini_key_line(lines: list[str], section: str, key: str) -> int:
    """The line of `key` inside `[section]`: configparser keeps no line numbers, so scan the file."""
    current = None
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*[=:]", re.IGNORECASE)
    for number, line in enumerate(lines, start=1):
        match = _SECTION.match(line)
        if match:
            current = match.group(1)
        elif current == section and pattern.match(line):
            return number
    return _ini_section_line(lines, section)


def _read_pyproject(setup: AlembicSetup, path: str, text: str, packages) -> None:
    if "alembic" not in text:
        return  # not ours to report on: other rules read pyproject.toml
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        if "[tool.alembic" in text:
            line = getattr(exc, "lineno", None) or 1
            setup.problems.append(AlembicProblem(path, line, f"Alembic cannot read `{path}`: {exc}"))
        return
    tool = data.get("tool")
    table = tool.get("alembic") if isinstance(tool, dict) else None
    if not isinstance(table, dict):
        return
    lines = text.splitlines()
    entry = AlembicFile(path, "tool.alembic", _toml_table_line(lines, "tool.alembic"))
    base = _folder(path)
    for key in ("script_location", "file_template", "version_locations"):
        if key not in table:
            continue
        raw = table[key]
        line = _toml_key_line(lines, "tool.alembic", key)
        values = raw if isinstance(raw, list) else [raw]
        try:
            expanded = [v % {"here": HERE} for v in values if isinstance(v, str)]
        except (ValueError, KeyError, TypeError) as exc:
            setup.problems.append(
                AlembicProblem(
                    path, line, f"Alembic cannot read `{key}` in `[tool.alembic]` of `{path}`: {exc}; write every "
                    "literal `%` as `%%`",
                )
            )  # fmt: skip
            entry.unreadable += (key,)
            continue
        if not expanded:
            continue
        if key == "script_location":
            entry.script_location = _resolve(expanded[0], base, packages)
        elif key == "file_template":
            entry.file_template = Setting(expanded[0].strip(), line)
        else:
            entry.version_locations = tuple(v for v in (_resolve(x, base, packages) for x in expanded) if v)
    setup.files.append(entry)


def _toml_table_line(lines: list[str], table: str) -> int:
    for number, line in enumerate(lines, start=1):
        match = _TOML_TABLE.match(line)
        if match and match.group(1).replace(" ", "") == table:
            return number
    return 1


def _toml_key_line(lines: list[str], table: str, key: str) -> int:
    current = None
    pattern = re.compile(rf"^\s*(?:\"{re.escape(key)}\"|{re.escape(key)})\s*=")
    for number, line in enumerate(lines, start=1):
        match = _TOML_TABLE.match(line)
        if match:
            current = match.group(1).replace(" ", "")
        elif current == table and pattern.match(line):
            return number
    return _toml_table_line(lines, table)


# --- where the migration rules apply ---------------------------------------------------------------------


def localize(rules: list[Rule], config: Config, project_files: dict[str, str], python_paths: list[str]):
    """The rules with `alembic/...` and `migrations/...` globs extended to the project's own migration folders.

    Returns the rules and a string naming the folders (it enters the cache key).
    """
    setup = read_setup(project_files, python_paths)
    scripts = setup.script_dirs(config)
    versions = setup.version_dirs(config)
    out = []
    for rule in rules:
        globs = list(rule.applies_to or ())
        extra: list[str] = []
        for glob in globs:
            for default in DEFAULT_DIRS:
                if not glob.startswith(default + "/"):
                    continue
                rest = glob[len(default) + 1 :]
                if rest.startswith("versions/"):
                    extra += [join_path(v, rest[len("versions/") :]) for v in versions]
                else:
                    extra += [join_path(s, rest) for s in scripts]
        new = _unique([*globs, *extra])
        out.append(rule.model_copy(update={"applies_to": new}) if new != globs else rule)
    return out, "|".join([*scripts, "", *versions])
