"""A run over whatever paths were named: each file checked as part of its own project, findings reported
for the paths asked for, with paths shown relative to the working directory.

Every project is read whole (cross-file checks need it), whatever part of it was named, so a file's findings
are the same whether bp-rules runs from the repository root, the project directory, a sub-directory, or is
given the file's path. A tree holding several projects (`backend/` beside `frontend/`, several services) is
checked as several projects, each with its own settings, manifests, tests, migrations and source roots.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from bp_rules.validator.config import Config, load_config
from bp_rules.validator.diff import Change
from bp_rules.validator.discovery import find_project_root, manifest_of
from bp_rules.validator.files import SKIPPED_DIRS, PathError, SourceFiles, collect
from bp_rules.validator.registry import Finding


@dataclass
class ProjectPlan:
    """One project of a run: where it is, and which of its paths (relative to it) to report."""

    root: Path
    wanted: set[str] = field(default_factory=set)  # "" means the whole project
    scope: Path | None = None  # read only this directory (a tree with no manifest and no repository)
    named_files: list[Path] = field(default_factory=list)  # read even when ignored: they were asked for

    def reports(self, path: str) -> bool:
        if "" in self.wanted:
            return True
        return any(path == w or path.startswith(w + "/") for w in self.wanted)


def plan(targets: list[Path]) -> list[ProjectPlan]:
    """The projects the named paths belong to or contain, each with what to report of it."""
    plans: dict[Path, ProjectPlan] = {}
    for target in targets:
        if not target.exists():
            raise PathError(f"{target}: no such file or directory")
        absolute = target.resolve()
        root = find_project_root(absolute)
        entry = plans.setdefault(root, ProjectPlan(root))
        rel = "" if absolute == root else absolute.relative_to(root).as_posix()
        entry.wanted.add(rel)
        if absolute.is_file():
            entry.named_files.append(absolute)
        if not manifest_of(root) and not _in_repository(root):
            # nothing anchors the project: read no more than the package (or directory) that was named
            top = absolute if absolute.is_dir() else absolute.parent
            entry.scope = top if entry.scope is None else Path(os.path.commonpath([entry.scope, top]))
        if absolute.is_dir():
            for nested in nested_projects(absolute):
                plans.setdefault(nested, ProjectPlan(nested)).wanted.add("")
    return sorted(plans.values(), key=lambda p: p.root)


def _in_repository(root: Path) -> bool:
    return any((d / ".git").exists() for d in (root, *root.parents))


def nested_projects(start: Path) -> list[Path]:
    """Directories below `start` (itself excluded) with a Python manifest of their own."""
    found: list[Path] = []
    for dirpath, dirnames, _ in os.walk(start):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d not in SKIPPED_DIRS and not d.startswith(".") and not d.endswith(".egg-info")
            and not (here / d / "pyvenv.cfg").exists()
        )  # fmt: skip
        if here != start and manifest_of(here):
            found.append(here)
    return found


@dataclass
class ProjectRun:
    plan: ProjectPlan
    config: Config
    files: SourceFiles


def prepare(project: ProjectPlan, configure: Callable[[Config], Config] | None = None) -> ProjectRun:
    """The project's settings (its own `[tool.bp-rules]`, then `configure`, i.e. the command line) and files."""
    config = load_config(project.root)
    if configure is not None:
        config = configure(config)
    files = collect([project.scope or project.root, *project.named_files], config)
    return ProjectRun(project, config, files)


def localized(change: Change, root: Path) -> Change:
    """A repository's change seen from one of its projects: paths relative to the project root."""
    base = change.root.resolve()
    out = Change(root=root)
    for path, lines in change.lines.items():
        try:
            out.lines[(base / path).relative_to(root).as_posix()] = lines
        except ValueError:
            continue  # in another project
    return out


def shown(finding: Finding, root: Path, cwd: Path | None = None) -> Finding:
    """The finding with its path relative to the working directory (absolute when on another drive)."""
    absolute = root / finding.path
    try:
        path = Path(os.path.relpath(absolute, cwd or Path.cwd())).as_posix()
    except ValueError:
        path = absolute.as_posix()
    return replace(finding, path=path)
