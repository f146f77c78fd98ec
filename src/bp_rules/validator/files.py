"""Which files a run reads: Python sources and project files, honouring .gitignore and excludes."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from bp_rules.validator.config import Config
from bp_rules.validator.discovery import manifest_of

SKIPPED_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".venv", "venv", ".env", "env", "virtualenv", "__pycache__", "node_modules",
        "build", "dist", ".tox", ".nox", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".bp-rules-cache",
        "site-packages", ".eggs", ".idea", ".vscode", "htmlcov", ".hypothesis",
    }
)  # fmt: skip
PROJECT_FILE_NAMES = frozenset(
    {
        "pyproject.toml", "alembic.ini", "uv.lock", "poetry.lock", ".pre-commit-config.yaml", "Makefile",
        "setup.cfg", "ruff.toml", ".ruff.toml", "logging.ini", "tox.ini", ".flake8", ".isort.cfg", ".gitlab-ci.yml",
        "script.py.mako",
    }
)  # fmt: skip


class PathError(Exception):
    pass


@dataclass
class SourceFiles:
    root: Path
    python: list[tuple[str, Path]] = field(default_factory=list)  # (path relative to root, absolute)
    project: dict[str, str] = field(default_factory=dict)  # relative path -> text
    skipped: list[str] = field(default_factory=list)


def is_project_file(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    if name in PROJECT_FILE_NAMES:
        return True
    if name.startswith("requirements") and name.endswith((".txt", ".in")):
        return True
    if rel.startswith("requirements/") and name.endswith((".txt", ".in")):
        return True
    if name.endswith(".sh") and rel.split("/")[-2:-1] == ["scripts"]:  # lint scripts (tooling rules)
        return True
    return rel.startswith(".github/workflows/") and name.endswith((".yml", ".yaml"))


def _relative(path: Path, root: Path) -> str | None:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return None


def collect(paths: list[Path], config: Config) -> SourceFiles:
    root = config.root.resolve()
    out = SourceFiles(root=root)
    excludes = pathspec.PathSpec.from_lines("gitignore", [*config.exclude, *config.extend_exclude])
    seen: set[str] = set()
    for given in paths:
        if not given.exists():
            raise PathError(f"{given}: no such file or directory")
        rel_given = _relative(given, root)
        if rel_given is None:
            raise PathError(f"{given}: outside the project root {root}")
        if given.is_file():
            _add(out, rel_given, given.resolve(), seen)
            continue
        _walk(out, given.resolve(), root, excludes, seen)
    _add_root_project_files(out, root, excludes, seen)
    for folder in config.migrations_dirs:  # `migrations/alembic.ini` describes the project too
        path = root / folder / "alembic.ini"
        rel = f"{folder.strip('/')}/alembic.ini"
        if path.is_file() and not excludes.match_file(rel):
            _add(out, rel, path, seen)
    out.python.sort()
    return out


def _add(out: SourceFiles, rel: str, absolute: Path, seen: set[str]) -> None:
    if rel in seen:
        return
    seen.add(rel)
    if rel.endswith((".py", ".pyi")):
        out.python.append((rel, absolute))
    elif is_project_file(rel):
        try:
            out.project[rel] = absolute.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            out.skipped.append(rel)


def _gitignore(directory: Path) -> pathspec.PathSpec | None:
    file = directory / ".gitignore"
    if not file.is_file():
        return None
    try:
        return pathspec.PathSpec.from_lines("gitignore", file.read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError):
        return None


def _walk(out: SourceFiles, start: Path, root: Path, excludes: pathspec.PathSpec, seen: set[str]) -> None:
    ignores: list[tuple[Path, pathspec.PathSpec]] = []
    for anchor in [*reversed(start.parents), start]:
        if anchor == root or root in anchor.parents:
            spec = _gitignore(anchor)
            if spec:
                ignores.append((anchor, spec))

    def ignored(path: Path, is_dir: bool) -> bool:
        rel = path.relative_to(root).as_posix()
        if excludes.match_file(rel) or (is_dir and excludes.match_file(rel + "/")):
            return True
        for anchor, spec in ignores:
            if anchor == path or anchor not in path.parents:
                continue
            sub = path.relative_to(anchor).as_posix()
            if spec.match_file(sub) or (is_dir and spec.match_file(sub + "/")):
                return True
        return False

    # os.walk does not follow directory symlinks, so symlink loops cannot trap it
    for dirpath, dirnames, filenames in os.walk(start):
        here = Path(dirpath)
        spec = _gitignore(here) if here != start else None
        if spec:
            ignores.append((here, spec))
        dirnames[:] = sorted(
            d for d in dirnames
            if d not in SKIPPED_DIRS and not d.endswith(".egg-info") and not (here / d).is_symlink()
            and not ignored(here / d, True) and not (here / d / "pyvenv.cfg").exists()
            and not manifest_of(here / d)  # a project of its own, checked as such
        )  # fmt: skip
        for name in sorted(filenames):
            path = here / name
            if path.is_symlink() and not path.exists():
                out.skipped.append(path.relative_to(root).as_posix())
                continue
            rel = path.relative_to(root).as_posix()
            if not (name.endswith(".py") or is_project_file(rel)) or ignored(path, False):
                continue
            _add(out, rel, path.resolve() if path.is_symlink() else path, seen)


def _add_root_project_files(out: SourceFiles, root: Path, excludes, seen: set[str]) -> None:
    """Project files at the root are read even when only `src/` was named: they describe the project."""
    for name in sorted(PROJECT_FILE_NAMES):
        path = root / name
        if path.is_file() and not excludes.match_file(name):
            _add(out, name, path, seen)
    for sub in ("requirements", ".github/workflows", "scripts"):
        directory = root / sub
        if directory.is_dir():
            for path in sorted(directory.iterdir()):
                rel = path.relative_to(root).as_posix()
                if path.is_file() and is_project_file(rel):
                    _add(out, rel, path, seen)
    for path in sorted(root.glob("requirements*.txt")):
        _add(out, path.name, path, seen)
    # structure-root-config-files: whether the root `.gitignore` covers `.env`. The `.env` is recorded by its
    # presence only (it holds secrets: never read); both enter the digest that phase-2 results are cached by.
    gitignore = root / ".gitignore"
    if gitignore.is_file() and ".gitignore" not in out.project:
        try:
            out.project[".gitignore"] = gitignore.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            out.skipped.append(".gitignore")
    if (root / ".env").is_file():
        out.project.setdefault(".env", "")
