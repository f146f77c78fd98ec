"""One project checked again and again: the engine behind the MCP server and the agent hooks.

A session holds the pack, the configuration, the list of files and the per-file results, and refreshes each
from the disk when it changed: the configuration and user rule packs by modification time, the file list
when a directory that holds project files changed (or a minute has passed), file contents by size and
modification time. Every check still reads the whole project as cross-file context.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bp_rules.schema.loader import Pack, PackError, load_pack
from bp_rules.validator.config import Config, ConfigError, find_project_root, load_config
from bp_rules.validator.diff import GitError, changed_lines
from bp_rules.validator.engine import RunResult, run
from bp_rules.validator.files import PathError, SourceFiles, collect
from bp_rules.validator.memory import Memory
from bp_rules.validator.registry import Finding

LISTING_MAX_AGE = 60.0  # seconds; a full re-walk also finds files added in directories that held none


class SessionError(Exception):
    """A request the session cannot serve (a path outside the project, a broken configuration or pack)."""


@dataclass
class Checked:
    findings: list[Finding]
    files: int
    warnings: list[str]


class Session:
    def __init__(self, root: Path, rule_dirs: tuple[Path, ...] = (), *, use_cache: bool = True, warm: bool = True):
        self.root = root.resolve()
        self.rule_dirs = tuple(Path(d).resolve() for d in rule_dirs)
        self.use_cache = use_cache
        self.memory = Memory() if warm else None
        self.lock = threading.RLock()  # one check at a time: the memory and the listing are shared
        self._config: Config | None = None
        self._config_stamp: object = None
        self._pack: Pack | None = None
        self._pack_stamp: object = None
        self._files: SourceFiles | None = None
        self._dir_stamps: dict[Path, int] = {}
        self._listed_at = 0.0

    @classmethod
    def for_path(cls, path: Path, **kwargs) -> Session:
        """The session of the project `path` belongs to (the nearest pyproject.toml or .git above it)."""
        return cls(find_project_root(path), **kwargs)

    def is_project(self) -> bool:
        """Whether the root is a project (a pyproject.toml or a git checkout), not just a directory."""
        return (self.root / "pyproject.toml").is_file() or (self.root / ".git").exists()

    # --- what the session holds, refreshed from the disk ---------------------------------------------------

    @property
    def config(self) -> Config:
        pyproject = self.root / "pyproject.toml"
        stamp = _stamp(pyproject)
        if self._config is None or stamp != self._config_stamp:
            try:
                self._config = load_config(self.root)
            except ConfigError as exc:
                raise SessionError(f"pyproject.toml: {exc}") from None
            self._config_stamp = stamp
            self._files = None  # excludes may have changed
        return self._config

    @property
    def pack(self) -> Pack:
        dirs = [*(self.root / d for d in self.config.rules), *self.rule_dirs]
        stamp = tuple((str(d), _tree_stamp(d)) for d in dirs)
        if self._pack is None or stamp != self._pack_stamp:
            try:
                self._pack = load_pack(dirs)
            except PackError as exc:
                raise SessionError("\n".join(str(e) for e in exc.errors)) from None
            self._pack_stamp = stamp
        return self._pack

    def files(self) -> SourceFiles:
        config = self.config
        stale = (
            self._files is None
            or time.monotonic() - self._listed_at > LISTING_MAX_AGE
            or any(_stamp(d) != s for d, s in self._dir_stamps.items())
        )
        if stale:
            try:
                self._files = collect([self.root], config)
            except PathError as exc:
                raise SessionError(str(exc)) from None
            self._listed_at = time.monotonic()
            self._dir_stamps = self._directory_stamps() if self.memory is not None else {}
        else:
            for rel in list(self._files.project):  # project files are few: read them again every time
                try:
                    self._files.project[rel] = (self.root / rel).read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    del self._files.project[rel]
        return self._files

    def _directory_stamps(self) -> dict[Path, int | None]:
        """The modification time of every directory holding project files: a file added or removed changes it.
        Only a long-lived session (`warm`) lists the project again; a one-shot one (a hook) skips this."""
        root = str(self.root)
        dirs = {root}
        for _, absolute in self._files.python:
            folder = os.path.dirname(absolute)
            while folder not in dirs and folder.startswith(root + os.sep):
                dirs.add(folder)
                folder = os.path.dirname(folder)
        return {Path(d): _stamp(Path(d)) for d in dirs}

    # --- paths ---------------------------------------------------------------------------------------------

    def relative(self, path: str | Path) -> str:
        """`path` (absolute, or relative to the project root) as a project path; outside the project is an error."""
        given = Path(path)
        absolute = given if given.is_absolute() else self.root / given
        try:
            rel = Path(os.path.normpath(absolute)).relative_to(self.root)
        except ValueError:
            raise SessionError(f"{path}: outside the project {self.root}") from None
        if not rel.parts:
            raise SessionError(f"{path}: is the project root, not a file")
        resolved = absolute.resolve()
        if resolved != absolute and self.root not in resolved.parents:
            raise SessionError(f"{path}: a link to outside the project {self.root}")
        return rel.as_posix()

    # --- checks --------------------------------------------------------------------------------------------

    def check(self, paths: list[str] | None = None, sources: dict[str, str] | None = None) -> Checked:
        """Check the project; report the findings in `paths` (project paths; None: all of them).

        `sources` maps project paths to text checked in place of what is on disk.
        """
        config, pack = self.config, self.pack
        files = self.files()
        listed = {rel for rel, _ in files.python}
        extra = [
            rel
            for rel in [*(paths or ()), *(sources or {})]
            if rel.endswith((".py", ".pyi"))
            and rel not in listed
            and (rel in (sources or {}) or _exists(self.root / rel))
        ]
        if extra:
            files = SourceFiles(files.root, sorted([*files.python, *((r, self.root / r) for r in set(extra))]),
                                files.project, files.skipped)  # fmt: skip
        data = {rel: text.encode("utf-8") for rel, text in (sources or {}).items()}
        report_in = frozenset(paths) if paths is not None else None
        result: RunResult = run(
            pack, config, files, use_cache=self.use_cache, sources=data, memory=self.memory, report_in=report_in
        )
        findings = result.findings
        if paths is not None:
            wanted = set(paths)
            findings = [f for f in findings if f.path in wanted]
        return Checked(findings, result.files, list(result.warnings))

    def check_change(self, *, base: str | None = None, staged: bool = False) -> Checked:
        """Findings on the lines a change adds or modifies (vs HEAD plus untracked files, or since `base`)."""
        try:
            change = changed_lines(self.root, base=base, staged=staged)
        except GitError as exc:
            raise SessionError(f"git: {exc}") from None
        touched: dict[str, set[int] | None] = {}
        for path, lines in change.lines.items():
            try:
                touched[(change.root / path).resolve().relative_to(self.root).as_posix()] = lines
            except ValueError:
                continue  # a change outside this project
        checked = self.check(paths=sorted(touched))
        project_files = self.files().project
        kept = [
            f
            for f in checked.findings
            if f.path in project_files or touched[f.path] is None or f.line in touched[f.path]  # type: ignore[operator]
        ]
        return Checked(kept, checked.files, checked.warnings)


def _exists(path: Path) -> bool:
    return path.is_file()


def _stamp(path: Path) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def _tree_stamp(directory: Path) -> tuple:
    """What a user rule pack's records look like on disk, cheaply: each file's name and modification time."""
    out = []
    for folder, _, names in os.walk(directory):
        for name in sorted(names):
            out.append((folder, name, _stamp(Path(folder) / name)))
    return tuple(sorted(out))
