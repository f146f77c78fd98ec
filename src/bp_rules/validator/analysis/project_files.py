"""Project files as data, for the tooling and versions checks: manifests, lock files, pre-commit and CI
configuration, INI files, Makefiles and shell scripts.

Every file is read with a real parser: tomllib for TOML, `packaging` for requirements, specifiers and
versions, PyYAML (SafeLoader) for YAML, configparser for INI files and shlex for shell command lines. The
text is scanned only afterwards, to find the line of an entry the parser returned (a dependency string inside
its table, a key, a section header). A file that does not parse is one finding, reported by the first rule
that needs it (`tooling-project-file-parses` reports it, once), never a crash. Nothing here registers a check.
"""

from __future__ import annotations

import configparser
import re
import shlex
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import PurePosixPath

import yaml
from packaging.markers import InvalidMarker, Marker, UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from bp_rules.validator.project import Project
from bp_rules.validator.summary import Span

LOCK_FILES = ("uv.lock", "poetry.lock")
RUFF_PRE_COMMIT_REPOS = ("astral-sh/ruff-pre-commit", "charliermarsh/ruff-pre-commit")
RUFF_ACTIONS = ("astral-sh/ruff-action", "chartboost/ruff-action")


def basename(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def is_pyproject(path: str) -> bool:
    return basename(path) == "pyproject.toml"


def is_requirements(path: str) -> bool:
    name = basename(path)
    return name.endswith(".txt") and (name.startswith("requirements") or "/requirements/" in f"/{path}")


def is_lock(path: str) -> bool:
    return basename(path) in LOCK_FILES


def is_workflow(path: str) -> bool:
    return path.startswith(".github/workflows/") and path.endswith((".yml", ".yaml"))


def is_shell_script(path: str) -> bool:
    return path.endswith(".sh")


def _span(line: int, col: int = 1, length: int = 0) -> Span:
    return (line, col, line, col + length)


# --- what the files declare ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dependency:
    """One declared dependency (or Python constraint) of a manifest."""

    path: str
    span: Span
    name: str  # normalized as PEP 503 says; `python` for requires-python
    text: str  # as written: `fastapi>=0.100`, `fastapi = "^0.100"`, `requires-python = ">=3.9"`
    specifiers: tuple[SpecifierSet, ...]  # alternatives (Poetry's `||`); () when no version applies (url, git)
    marker: Marker | None = None


@dataclass(frozen=True)
class LockedPackage:
    path: str
    name: str  # normalized
    version: Version | None
    name_span: Span
    version_span: Span
    parents: tuple[str, ...]  # normalized names of the locked packages that require it
    is_project: bool  # the project itself (uv's editable/virtual root), not a dependency


# --- TOML text: where the tables and entries the parser returned are written ----------------------------


def _header(stripped: str) -> tuple[tuple[str, ...], bool] | None:
    """The key path of a table header line (`[tool.poetry.dependencies]`, `[[package]]`), parsed by tomllib."""
    try:
        doc = tomllib.loads(stripped)
    except tomllib.TOMLDecodeError:
        return None
    path: list[str] = []
    node: object = doc
    array = False
    while True:
        if isinstance(node, list):
            array = True
            node = node[0] if node else {}
        if not isinstance(node, dict) or len(node) != 1:
            break
        key, node = next(iter(node.items()))
        path.append(key)
        array = False
    return (tuple(path), array) if path and node == {} else None


class TomlText:
    """Line lookups in a TOML file that tomllib has already parsed."""

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.headers: list[tuple[tuple[str, ...], bool, int]] = []  # key path, array table?, 0-based line
        for i, line in enumerate(self.lines):
            stripped = line.strip()
            if stripped.startswith("[") and "]" in stripped:
                parsed = _header(stripped)
                if parsed is not None:
                    self.headers.append((*parsed, i))

    def region(self, path: tuple[str, ...], index: int = 0) -> tuple[int, int] | None:
        """Lines [header, next header) of the index-th table with this key path."""
        seen = 0
        for k, (found, _, line) in enumerate(self.headers):
            if found == path:
                if seen == index:
                    end = self.headers[k + 1][2] if k + 1 < len(self.headers) else len(self.lines)
                    return line, end
                seen += 1
        return None

    def region_or_file(self, path: tuple[str, ...]) -> tuple[int, int]:
        return self.region(path) or (0, len(self.lines))

    def key_line(self, region: tuple[int, int], key: str, *, normalize: bool = False) -> int | None:
        """0-based line of `key = ...` inside a region."""
        start, end = region
        wanted = canonicalize_name(key) if normalize else key
        for i in range(start, end):
            match = _KEY.match(self.lines[i])
            if match:
                found = match.group(1) or match.group(2) or match.group(3)
                if (canonicalize_name(found) if normalize else found) == wanted:
                    return i
        return None

    def string_span(self, start: int, end: int, value: str) -> Span | None:
        """The span of the quoted string `value` in lines [start, end)."""
        for i in range(start, end):
            line = self.lines[i]
            for quote in ('"', "'"):
                col = line.find(f"{quote}{value}{quote}")
                if col >= 0:
                    return _span(i + 1, col + 1, len(value) + 2)
        return None

    def line_span(self, index: int) -> Span:
        line = self.lines[index] if 0 <= index < len(self.lines) else ""
        stripped = line.strip()
        col = len(line) - len(line.lstrip())
        return _span(index + 1, col + 1, len(stripped))


_KEY = re.compile(r"""^\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_.-]+))\s*=""")
_TOML_ERROR_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


# --- requirements ----------------------------------------------------------------------------------------

_COMMENT = re.compile(r"(^|\s)#.*$")
_REQUIREMENT_OPTION = re.compile(r"\s+--?[A-Za-z]")


def poetry_specifiers(constraint: str) -> tuple[SpecifierSet, ...] | None:
    """Poetry's constraint language (`^3.10`, `~1.2`, `1.2.*`, `>=1,<2 || ^3`) as PEP 440 specifier sets.

    `^V` and `~V` become `>=V` (only the lower bound matters here), a bare version `==V`; the rest is PEP 440.
    None when the constraint does not parse.
    """
    alternatives = []
    for part in constraint.split("||"):
        part = re.sub(r"(<=|>=|==|!=|~=|<|>|\^|~|=)\s+", r"\1", part.strip())
        specs = []
        for token in re.split(r"[,\s]+", part):
            if not token or token == "*":
                continue
            if token[0] in "^" or (token[0] == "~" and not token.startswith("~=")):
                token = ">=" + token[1:]
            elif token[0].isdigit():
                token = "==" + token
            elif token[0] == "=" and not token.startswith("=="):
                token = "=" + token
            specs.append(token)
        try:
            alternatives.append(SpecifierSet(",".join(specs)))
        except InvalidSpecifier:
            return None
    return tuple(alternatives)


def lowest_admitted(spec: SpecifierSet) -> tuple[Version, bool] | None:
    """The lowest version a specifier set admits, from its lower bounds, and whether that bound is exclusive
    (`>2.0` admits what is above 2.0); None when it has no lower bound."""
    lows: list[tuple[Version, bool]] = []
    for item in spec:
        if item.operator in (">=", ">", "==", "~=", "==="):
            text = item.version.removesuffix(".*")
            try:
                lows.append((Version(text), item.operator == ">"))
            except InvalidVersion:
                continue
    return max(lows) if lows else None


_ENVIRONMENTS = [
    {"sys_platform": sp, "platform_system": ps, "os_name": on}
    for sp, ps, on in (("linux", "Linux", "posix"), ("darwin", "Darwin", "posix"), ("win32", "Windows", "nt"))
]


def marker_possible(marker: Marker | None, pythons: list[str]) -> bool:
    """Whether an environment marker can hold on some supported Python (on Linux, macOS or Windows)."""
    if marker is None:
        return True
    for python in pythons:
        for env in _ENVIRONMENTS:
            environment = {**env, "python_version": python, "python_full_version": f"{python}.0", "extra": ""}
            try:
                if marker.evaluate(environment):
                    return True
            except (UndefinedComparison, UndefinedEnvironmentName, InvalidMarker, ValueError):
                return True
    return False


# --- YAML with lines -------------------------------------------------------------------------------------


class YStr(str):
    """A YAML scalar string that remembers where it was written."""

    line: int  # 1-based line of the scalar (of its `|`/`>` indicator for a block scalar)
    col: int
    style: str | None

    def content_line(self, index: int) -> int:
        """The 1-based file line of the `index`-th line of the value (exact for `|` blocks and plain scalars)."""
        if self.style == "|":
            return self.line + 1 + index
        if self.style == ">":
            return self.line + 1
        return self.line


def _ystr(node: yaml.ScalarNode) -> YStr:
    value = YStr(node.value)
    value.line = node.start_mark.line + 1
    value.col = node.start_mark.column + 1
    value.style = node.style
    return value


_CONSTRUCTOR = yaml.constructor.SafeConstructor()


def _located(node: yaml.Node, depth: int = 0):
    """Plain data from a composed YAML node; strings are `YStr` with their line."""
    if depth > 50:
        return None
    if isinstance(node, yaml.MappingNode):
        out = {}
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                out[key.value] = _located(value, depth + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_located(item, depth + 1) for item in node.value]
    if node.tag == "tag:yaml.org,2002:str":
        return _ystr(node)
    try:
        return _CONSTRUCTOR.construct_object(node, deep=True)
    except yaml.YAMLError:
        return _ystr(node)


# --- shell command lines ---------------------------------------------------------------------------------

_SEPARATORS = frozenset({";", "&&", "||", "|", "&", "(", ")", "|&", ";;", "{", "}", "`", "&>", "!"})
_SHELL_WORDS = frozenset({"if", "then", "else", "elif", "do", "while", "until", "time", "exec", "command", "nohup"})
_ENV_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_PYTHON = re.compile(r"^python(\d+(\.\d+)*)?$|^py$")
_RUNNERS: tuple[tuple[str, ...], ...] = (
    ("uv", "tool", "run"), ("uv", "run"), ("uvx",), ("poetry", "run"), ("pdm", "run"), ("hatch", "run"),
    ("pipenv", "run"), ("rye", "run"), ("pipx", "run"), ("pixi", "run"), ("env",),
)  # fmt: skip
_RUNNER_VALUE_OPTIONS = frozenset(
    {"--with", "--from", "--python", "-p", "--group", "--extra", "--package", "--directory", "--project",
     "--env-file", "--only-group", "--index", "--with-requirements", "--env", "-e"}
)  # fmt: skip
_HEREDOC = re.compile(r"<<-?\s*['\"]?([A-Za-z_][A-Za-z0-9_]*)['\"]?")


def logical_lines(text: str, *, makefile: bool = False, shell: bool = True) -> Iterator[tuple[int, str]]:
    """Lines with backslash continuations joined, each with the 0-based index of its first physical line.

    For a Makefile only recipe lines (tab-indented) count, without their `@`, `-` and `+` prefixes; in shell
    text the body of a here-document is skipped.
    """
    lines = text.splitlines()
    i = 0
    heredoc: str | None = None
    while i < len(lines):
        start, line = i, lines[i]
        i += 1
        if heredoc is not None:
            if line.strip() == heredoc:
                heredoc = None
            continue
        if makefile and not line.startswith("\t"):
            continue
        while line.endswith("\\") and i < len(lines):
            line = line[:-1].rstrip() + " " + lines[i].strip()
            i += 1
        if makefile:
            line = line.lstrip("\t ").lstrip("@-+")
        match = _HEREDOC.search(line)
        if match and shell and not makefile:
            heredoc = match.group(1)
        yield start, line


def commands(line: str) -> list[list[str]]:
    """The simple commands of a shell command line, split on `;`, `&&`, `||`, `|` and parentheses."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError:  # an unclosed quote: not a line we can read
        return []
    out: list[list[str]] = [[]]
    for token in tokens:
        if token in _SEPARATORS:
            out.append([])
        else:
            out[-1].append(token)
    return [c for c in out if c]


def _runner_length(command: list[str], i: int) -> int:
    """How many tokens a command runner (`uv run --frozen`, `poetry run`, `python -m`) takes at position i."""
    head = basename(command[i])
    if _PYTHON.match(head) and i + 1 < len(command) and command[i + 1] == "-m":
        return 2
    for runner in _RUNNERS:
        if tuple(command[i : i + len(runner)]) == runner or (head == runner[0] and len(runner) == 1):
            n = len(runner)
            while i + n < len(command) and command[i + n].startswith("-"):
                option = command[i + n]
                n += 2 if option in _RUNNER_VALUE_OPTIONS else 1
            return n
    return 0


def ruff_arguments(command: list[str]) -> list[str] | None:
    """The arguments given to ruff when a simple command runs ruff (directly or through a runner)."""
    i = 0
    while i < len(command):
        token = command[i]
        if _ENV_ASSIGNMENT.match(token) or token in _SHELL_WORDS:
            i += 1
            continue
        step = _runner_length(command, i)
        if not step:
            break
        i += step
    if i >= len(command):
        return None
    program = basename(command[i]).split("@", 1)[0].lower()
    return command[i + 1 :] if program in ("ruff", "ruff.exe") else None


RUFF_SUBCOMMANDS = frozenset(
    {"check", "format", "rule", "config", "linter", "clean", "version", "help", "server", "analyze",
     "generate-shell-completion"}
)  # fmt: skip
RUFF_TOP_LEVEL_FLAGS = frozenset({"--version", "-V", "--help", "-h"})
RUFF_GLOBAL_FLAGS = frozenset({"-v", "--verbose", "-q", "--quiet", "-s", "--silent", "--isolated"})


def lacks_subcommand(arguments: list[str]) -> bool:
    """`ruff src`, `ruff --fix src`: the old CLI, which current ruff rejects. Bare `ruff` and `$ARGS` are unknown."""
    i = 0
    while i < len(arguments):
        argument = arguments[i]
        if argument in RUFF_GLOBAL_FLAGS or argument.startswith("--config="):
            i += 1
        elif argument == "--config":
            i += 2
        else:
            break
    if i >= len(arguments):
        return False
    first = arguments[i]
    return not (first.startswith("$") or first in RUFF_SUBCOMMANDS or first in RUFF_TOP_LEVEL_FLAGS)


@dataclass(frozen=True)
class ShellCommand:
    path: str
    line: int  # 1-based
    text: str  # the command line as written (one logical line)
    tokens: tuple[str, ...]


# --- the project's files ---------------------------------------------------------------------------------


class ProjectFiles:
    """Parsed views of `project.project_files`, computed once per run and shared by the checks."""

    def __init__(self, project: Project):
        self.project = project
        self.files = project.project_files
        self.problems: dict[str, tuple[Span, str]] = {}
        self.reported: set[str] = set()
        self._toml: dict[str, dict | None] = {}
        self._yaml: dict[str, object] = {}
        self._ini: dict[str, configparser.ConfigParser | None] = {}
        self._texts: dict[str, TomlText] = {}

    # --- parsers -------------------------------------------------------------------------------------

    def paths(self, predicate) -> list[str]:
        return sorted(p for p in self.files if predicate(p))

    def toml(self, path: str) -> dict | None:
        if path not in self._toml:
            try:
                self._toml[path] = tomllib.loads(self.files[path])
            except tomllib.TOMLDecodeError as exc:
                self._toml[path] = None
                at = _TOML_ERROR_AT.search(str(exc))
                span = _span(int(at.group(1)), int(at.group(2))) if at else _span(1)
                self.problems[path] = (span, f"{path} is not valid TOML ({exc}); it could not be checked")
        return self._toml[path]

    def parse(self, path: str) -> None:
        """Parse a file with the parser its kind needs, so that a broken file is known even if unused."""
        name = basename(path)
        if name.endswith(".toml") or is_lock(path):
            self.toml(path)
        elif name.endswith((".yaml", ".yml")):
            self.yaml(path)
        elif name in ("setup.cfg", ".flake8", ".isort.cfg", "tox.ini"):
            self.ini(path)

    def toml_text(self, path: str) -> TomlText:
        if path not in self._texts:
            self._texts[path] = TomlText(self.files[path])
        return self._texts[path]

    def yaml(self, path: str):
        """The document as plain data with `YStr` strings; None when the file is empty or does not parse."""
        if path not in self._yaml:
            text = self.files[path]
            try:
                yaml.safe_load(text)
                node = yaml.compose(text, Loader=yaml.SafeLoader)
                self._yaml[path] = _located(node) if node is not None else None
            except yaml.YAMLError as exc:
                self._yaml[path] = None
                mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
                span = _span(mark.line + 1, mark.column + 1) if mark is not None else _span(1)
                problem = getattr(exc, "problem", None) or "cannot be parsed"
                self.problems[path] = (span, f"{path} is not valid YAML ({problem}); it could not be checked")
        return self._yaml[path]

    def ini(self, path: str) -> configparser.ConfigParser | None:
        if path not in self._ini:
            parser = configparser.ConfigParser(interpolation=None, strict=False)
            try:
                parser.read_string(self.files[path], source=path)
                self._ini[path] = parser
            except configparser.Error as exc:
                self._ini[path] = None
                line = getattr(exc, "lineno", None) or 1
                reason = str(exc).splitlines()[0]
                message = f"{path} is not a valid INI file ({reason}); it could not be checked"
                self.problems[path] = (_span(line), message)
        return self._ini[path]

    def section_span(self, path: str, section: str) -> Span:
        """The span of an INI section header such as `[flake8]`."""
        pattern = re.compile(rf"^\s*\[\s*{re.escape(section)}\s*\]")
        for i, line in enumerate(self.files[path].splitlines()):
            if pattern.match(line):
                col = len(line) - len(line.lstrip())
                return _span(i + 1, col + 1, len(line.strip()))
        return _span(1)

    # --- declared dependencies -----------------------------------------------------------------------

    @cached_property
    def dependencies(self) -> list[Dependency]:
        """Every dependency declared in a pyproject.toml or a requirements file (not the Python constraint)."""
        out: list[Dependency] = []
        for path in self.paths(is_pyproject):
            out += self._pyproject_dependencies(path)
        for path in self.paths(is_requirements):
            out += self._requirements(path)
        return out

    @cached_property
    def python_constraints(self) -> list[Dependency]:
        """`requires-python` and Poetry's `python = ...`, as dependencies named `python`."""
        out = []
        for path in self.paths(is_pyproject):
            data = self.toml(path)
            if data is None:
                continue
            text = self.toml_text(path)
            project = data.get("project")
            if isinstance(project, dict) and isinstance(project.get("requires-python"), str):
                value = project["requires-python"]
                region = text.region_or_file(("project",))
                line = text.key_line(region, "requires-python")
                try:
                    specs = (SpecifierSet(value),)
                except InvalidSpecifier:
                    specs = ()
                span = text.line_span(line) if line is not None else _span(1)
                out.append(Dependency(path, span, "python", f'requires-python = "{value}"', specs))
            poetry = table(data, "tool", "poetry", "dependencies")
            if isinstance(poetry.get("python"), str):
                value = poetry["python"]
                region = text.region_or_file(("tool", "poetry", "dependencies"))
                line = text.key_line(region, "python")
                span = text.line_span(line) if line is not None else _span(1)
                out.append(Dependency(path, span, "python", f'python = "{value}"', poetry_specifiers(value) or ()))
        return out

    def _pyproject_dependencies(self, path: str) -> list[Dependency]:
        data = self.toml(path)
        if data is None:
            return []
        out: list[Dependency] = []
        project = table(data, "project")
        self._pep508(out, path, ("project",), "dependencies", project.get("dependencies"))
        for extra, items in table(data, "project", "optional-dependencies").items():
            self._pep508(out, path, ("project", "optional-dependencies"), extra, items)
        for group, items in table(data, "dependency-groups").items():
            self._pep508(out, path, ("dependency-groups",), group, items)
        self._pep508(out, path, ("tool", "uv"), "dev-dependencies", table(data, "tool", "uv").get("dev-dependencies"))
        for group, items in table(data, "tool", "pdm", "dev-dependencies").items():
            self._pep508(out, path, ("tool", "pdm", "dev-dependencies"), group, items)
        poetry = table(data, "tool", "poetry")
        tables = [("dependencies",), ("dev-dependencies",)]
        tables += [("group", g, "dependencies") for g in table(data, "tool", "poetry", "group")]
        for sub in tables:
            entries = table(poetry, *sub)
            for name, value in entries.items():
                if name != "python":
                    out += self._poetry(path, ("tool", "poetry", *sub), name, value)
        return out

    def _pep508(self, out: list[Dependency], path: str, table: tuple[str, ...], key: str, items) -> None:
        if not isinstance(items, list):
            return
        text = self.toml_text(path)
        start, end = text.region_or_file(table)
        key_line = text.key_line((start, end), key)
        search_from = key_line if key_line is not None else start
        for item in items:
            if not isinstance(item, str):
                continue  # `{include-group = "..."}`
            try:
                requirement = Requirement(item)
            except InvalidRequirement:
                continue
            span = text.string_span(search_from, end, item)
            if span is None:
                span = text.line_span(key_line) if key_line is not None else _span(start + 1)
            specs = () if requirement.url else (requirement.specifier,)
            out.append(Dependency(path, span, canonicalize_name(requirement.name), item, specs, requirement.marker))

    def _poetry(self, path: str, table: tuple[str, ...], name: str, value) -> list[Dependency]:
        text = self.toml_text(path)
        line = text.key_line(text.region_or_file(table), name, normalize=True)
        if line is None:
            sub = text.region((*table, name))
            line = sub[0] if sub else None
        span = text.line_span(line) if line is not None else _span(1)
        constraints = value if isinstance(value, list) else [value]
        specs: list[SpecifierSet] = []
        shown = []
        for constraint in constraints:
            version = constraint.get("version") if isinstance(constraint, dict) else constraint
            if not isinstance(version, str):
                continue  # a git, path or url dependency: no version to compare
            parsed = poetry_specifiers(version)
            if parsed is None:
                continue
            specs += parsed
            shown.append(version)
        written = " | ".join(f'"{s}"' for s in shown) if shown else "..."
        return [Dependency(path, span, canonicalize_name(name), f"{name} = {written}", tuple(specs))]

    def _requirements(self, path: str) -> list[Dependency]:
        out = []
        lines = self.files[path].splitlines()
        for start, line in logical_lines(self.files[path], shell=False):
            content = _COMMENT.sub("", line).strip()
            if not content or content.startswith("-"):
                continue  # options, `-r`/`-c` includes (checked as files of their own), `-e` editables
            requirement_text = _REQUIREMENT_OPTION.split(content, 1)[0].strip()  # drop `--hash=...`
            try:
                requirement = Requirement(requirement_text)
            except InvalidRequirement:
                continue  # a path or URL line: pip's business, not a version
            physical = lines[start]
            col = physical.find(requirement_text.split()[0]) if requirement_text else -1
            col = col if col >= 0 else len(physical) - len(physical.lstrip())
            span = _span(start + 1, col + 1, len(requirement_text))
            specs = () if requirement.url else (requirement.specifier,)
            out.append(
                Dependency(path, span, canonicalize_name(requirement.name), requirement_text, specs, requirement.marker)
            )
        return out

    # --- locks ---------------------------------------------------------------------------------------

    @cached_property
    def locked(self) -> dict[str, list[LockedPackage]]:
        return {path: self._lock(path) for path in self.paths(is_lock)}

    def _lock(self, path: str) -> list[LockedPackage]:
        data = self.toml(path)
        packages = data.get("package") if data is not None else None
        if not isinstance(packages, list):
            return []
        text = self.toml_text(path)
        parents: dict[str, set[str]] = {}
        names = []
        for package in packages:
            name = canonicalize_name(str(package.get("name", ""))) if isinstance(package, dict) else ""
            names.append(name)
            for child in _lock_children(package):
                parents.setdefault(child, set()).add(name)
        out = []
        for n, package in enumerate(packages):
            if not isinstance(package, dict) or not names[n]:
                continue
            region = text.region(("package",), n)
            if region is None:
                name_span = version_span = _span(1)
            else:
                name_line = text.key_line(region, "name")
                version_line = text.key_line(region, "version")
                name_span = text.line_span(name_line) if name_line is not None else _span(region[0] + 1)
                version_span = text.line_span(version_line) if version_line is not None else name_span
            try:
                version = Version(str(package.get("version", "")))
            except InvalidVersion:
                version = None
            source = package.get("source")
            is_project = isinstance(source, dict) and bool({"editable", "virtual"} & set(source))
            out.append(
                LockedPackage(path, names[n], version, name_span, version_span,
                              tuple(sorted(parents.get(names[n], ()))), is_project)
            )  # fmt: skip
        return out

    def locks_for(self, path: str) -> list[str]:
        """The lock files that pin what a pyproject.toml declares: those in its directory or the nearest above.

        Requirements files are pins of their own: no lock applies to them.
        """
        if not is_pyproject(path):
            return []
        directory = PurePosixPath(path).parent
        for folder in (directory, *directory.parents):
            found = [str(folder / lock) if str(folder) != "." else lock for lock in LOCK_FILES]
            found = [p for p in found if p in self.files]
            if found:
                return found
        return []

    def locked_names(self, path: str) -> set[str]:
        names: set[str] = set()
        for lock in self.locks_for(path):
            names.update(p.name for p in self.locked.get(lock, ()))
        return names

    # --- pre-commit, CI, Makefiles, scripts -----------------------------------------------------------

    def pre_commit_hooks(self) -> Iterator[tuple[str, str, dict]]:
        """(path, repo, hook) for every hook of every .pre-commit-config.yaml."""
        for path in self.paths(lambda p: basename(p) == ".pre-commit-config.yaml"):
            data = self.yaml(path)
            repos = data.get("repos") if isinstance(data, dict) else None
            for repo in repos if isinstance(repos, list) else []:
                if not isinstance(repo, dict):
                    continue
                url = str(repo.get("repo", ""))
                hooks = repo.get("hooks")
                for hook in hooks if isinstance(hooks, list) else []:
                    if isinstance(hook, dict):
                        yield path, url, hook

    def pre_commit_repos(self) -> Iterator[tuple[str, dict]]:
        for path in self.paths(lambda p: basename(p) == ".pre-commit-config.yaml"):
            data = self.yaml(path)
            repos = data.get("repos") if isinstance(data, dict) else None
            for repo in repos if isinstance(repos, list) else []:
                if isinstance(repo, dict):
                    yield path, repo

    def workflow_steps(self) -> Iterator[tuple[str, dict]]:
        """(path, step) for every step of every GitHub Actions workflow."""
        for path in self.paths(is_workflow):
            data = self.yaml(path)
            jobs = data.get("jobs") if isinstance(data, dict) else None
            for job in jobs.values() if isinstance(jobs, dict) else []:
                steps = job.get("steps") if isinstance(job, dict) else None
                for step in steps if isinstance(steps, list) else []:
                    if isinstance(step, dict):
                        yield path, step

    def shell_commands(self) -> Iterator[ShellCommand]:
        """Commands of Makefiles, shell scripts, CI `run:` steps and GitLab CI scripts, with their lines."""
        for path in self.paths(lambda p: basename(p) == "Makefile" or is_shell_script(p)):
            makefile = basename(path) == "Makefile"
            for start, line in logical_lines(self.files[path], makefile=makefile):
                for command in commands(line):
                    yield ShellCommand(path, start + 1, line.strip(), tuple(command))
        for path, step in self.workflow_steps():
            run = step.get("run")
            if isinstance(run, YStr):
                yield from _script_commands(path, run)
        for path in self.paths(lambda p: basename(p) == ".gitlab-ci.yml"):
            data = self.yaml(path)
            for script in _gitlab_scripts(data):
                yield from _script_commands(path, script)

    def pre_commit_entries(self) -> Iterator[tuple[str, YStr, list[str]]]:
        """(path, entry, the command pre-commit runs) for hooks that set `entry:`; files are appended."""
        for path, _, hook in self.pre_commit_hooks():
            entry = hook.get("entry")
            if not isinstance(entry, YStr):
                continue
            found = commands(entry)
            if len(found) != 1:
                continue
            args = hook.get("args")
            extra = [str(a) for a in args] if isinstance(args, list) else []
            files = ["<files>"] if hook.get("pass_filenames", True) is not False else []
            yield path, entry, [*found[0], *extra, *files]

    # --- ruff ----------------------------------------------------------------------------------------

    @cached_property
    def ruff_configured(self) -> bool:
        if any(basename(p) in ("ruff.toml", ".ruff.toml") for p in self.files):
            return True
        return any("ruff" in table(self.toml(p) or {}, "tool") for p in self.paths(is_pyproject))

    @cached_property
    def ruff_runs(self) -> bool:
        """Whether ruff runs somewhere: pre-commit, CI, a Makefile, a script, tox or a task runner."""
        for _, url, _ in self.pre_commit_hooks():
            if url.rstrip("/").removesuffix(".git").endswith(RUFF_PRE_COMMIT_REPOS):
                return True
        for _, _, command in self.pre_commit_entries():
            if ruff_arguments(command) is not None:
                return True
        for _, step in self.workflow_steps():
            if str(step.get("uses", "")).startswith(RUFF_ACTIONS):
                return True
        if any(ruff_arguments(list(c.tokens)) is not None for c in self.shell_commands()):
            return True
        return any(ruff_arguments(c) is not None for text in self._runner_scripts() for c in commands(text))

    def _runner_scripts(self) -> Iterator[str]:
        """Command strings of tox environments and pyproject task runners (taskipy, poe, pdm, hatch, rye)."""
        for path in self.paths(lambda p: basename(p) == "tox.ini"):
            parser = self.ini(path)
            for section in parser.sections() if parser is not None else []:
                yield from parser[section].get("commands", "").splitlines()
        for path in self.paths(is_pyproject):
            tool = table(self.toml(path) or {}, "tool")
            tables = [table(tool, "taskipy", "tasks"), table(tool, "poe", "tasks"), table(tool, "pdm", "scripts"),
                      table(tool, "rye", "scripts")]  # fmt: skip
            tables += [table(env, "scripts") for env in table(tool, "hatch", "envs").values()]
            for tasks in tables:
                for task in tasks.values():
                    yield from _task_commands(task)

    @cached_property
    def parse_failed(self) -> bool:
        """Whether some file that could show ruff's configuration or use failed to parse."""
        for path in self.files:
            name = basename(path)
            if is_pyproject(path) or name in ("ruff.toml", ".ruff.toml"):
                self.toml(path)
            elif name in (".pre-commit-config.yaml", ".gitlab-ci.yml") or is_workflow(path):
                self.yaml(path)
            elif name == "tox.ini":
                self.ini(path)
        return bool(self.problems)


def table(data, *keys: str) -> dict:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


def _task_commands(task, depth: int = 0) -> Iterator[str]:
    """The command lines of a task runner's task: a string, an argv list, or a table with `cmd`/`shell`/..."""
    if depth > 4:
        return
    if isinstance(task, str):
        yield task
    elif isinstance(task, list):
        if task and all(isinstance(t, str) for t in task) and depth > 0:
            yield shlex.join(task)  # `cmd = ["ruff", "check", "."]`
        else:
            for item in task:
                yield from _task_commands(item, depth + 1)
    elif isinstance(task, dict):
        for key in ("cmd", "shell", "sequence", "composite"):
            if key in task:
                yield from _task_commands(task[key], depth + 1)


def _lock_children(package) -> Iterator[str]:
    """Names a locked package requires: uv's `dependencies = [{name = ...}]`, Poetry's `[package.dependencies]`."""
    if not isinstance(package, dict):
        return
    groups = [package.get("dependencies")]
    for key in ("optional-dependencies", "dev-dependencies"):
        table = package.get(key)
        if isinstance(table, dict):
            groups += list(table.values())
    for group in groups:
        if isinstance(group, list):
            for item in group:
                if isinstance(item, dict) and isinstance(item.get("name"), str):
                    yield canonicalize_name(item["name"])
        elif isinstance(group, dict):
            for name in group:
                yield canonicalize_name(name)


def _script_commands(path: str, script: YStr) -> Iterator[ShellCommand]:
    for index, line in logical_lines(str(script)):
        for command in commands(line):
            yield ShellCommand(path, script.content_line(index), line.strip(), tuple(command))


def _gitlab_scripts(data) -> Iterator[YStr]:
    if not isinstance(data, dict):
        return
    for job in data.values():
        if not isinstance(job, dict):
            continue
        for key in ("before_script", "script", "after_script"):
            value = job.get(key)
            items = value if isinstance(value, list) else [value]
            for item in items:
                nested = item if isinstance(item, list) else [item]
                yield from (s for s in nested if isinstance(s, YStr))


def project_files(project: Project) -> ProjectFiles:
    """The parsed project files of this run (built once, shared by every check that reads them)."""
    cached = project.__dict__.get("_bp_project_files")
    if cached is None:
        cached = project.__dict__["_bp_project_files"] = ProjectFiles(project)
    return cached


def matrix_python_versions(project: Project) -> list[str]:
    entry = project.pack.matrix.pinned("python")
    versions = [entry.minimum, entry.tested_with] if entry is not None else ["3.11", "3.13"]
    return [".".join(v.split(".")[:2]) for v in versions]


def dependency_possible(project: Project, dependency: Dependency) -> bool:
    """Whether a dependency installs on some Python the matrix supports (its marker can hold)."""
    return marker_possible(dependency.marker, matrix_python_versions(project))
