"""The version matrix: minimum versions (`versions-minimums`) and banned packages (`versions-banned-packages`).

Both read the matrix from the pack (`project.pack.matrix`), so a user pack that raises a minimum or bans
another package changes what they report; no version is written here.

Who reports a banned package: `versions-banned-packages` reports it where a manifest or lock file declares
it; the code rules named in the matrix (`auth-pyjwt-not-jose`, `testing-no-async-asgi-testclient`,
`db-sqlalchemy-async`) report its imports in Python files. A package declared in a manifest is reported
there and not again in the lock; a lock entry is reported only when no manifest declares the package (a
transitive dependency), with the packages that pull it in.
"""

from __future__ import annotations

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from bp_rules.schema.models import PinnedPackage
from bp_rules.validator.analysis.project_files import (
    RUFF_PRE_COMMIT_REPOS,
    Dependency,
    basename,
    dependency_possible,
    lowest_admitted,
    project_files,
)
from bp_rules.validator.project import Project
from bp_rules.validator.registry import ProjectCheck, register

# the pre-commit mirrors that run a matrix package at the version of their `rev`
PRE_COMMIT_MIRRORS = {repo: "ruff" for repo in RUFF_PRE_COMMIT_REPOS}
RELOCK = {"uv.lock": "uv lock --upgrade-package {name}", "poetry.lock": "poetry update {name}"}


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _matrix(project: Project) -> dict[str, tuple[PinnedPackage, Version, Version | None]]:
    out = {}
    for entry in project.pack.matrix.packages:
        minimum = _version(entry.minimum)
        if minimum is not None:
            out[canonicalize_name(entry.package)] = (entry, minimum, _version(entry.tested_with))
    return out


def _below(dependency: Dependency, minimum: Version, tested: Version | None) -> str | None:
    """What a dependency admits below the minimum (`fastapi 0.100`, `pydantic above 2.0`, `only ... versions
    below`), or None when it meets the minimum or says nothing (no lower bound: unpinned)."""
    worst: tuple[Version, bool] | None = None
    for spec in dependency.specifiers:
        lowest = lowest_admitted(spec)
        if lowest is None:
            candidates = [v for v in (minimum, tested) if v is not None]
            if any(spec.contains(v, prereleases=True) for v in candidates):
                continue  # unpinned, or only an upper bound the matrix versions meet
            return "only"
        if lowest[0] < minimum and (worst is None or lowest < worst):
            worst = lowest
    if worst is None:
        return None
    return f"above {worst[0]}" if worst[1] else str(worst[0])


@register
class VersionMinimums(ProjectCheck):
    rule_id = "versions-minimums"

    def check(self, project: Project) -> None:
        files = project_files(project)
        matrix = _matrix(project)
        python = matrix.pop("python", None)
        if python is not None:
            for dependency in files.python_constraints:
                self._check_dependency(project, dependency, python, "Python")
        for lock, packages in files.locked.items():
            for package in packages:
                pinned = matrix.get(package.name)
                if pinned is None or package.version is None or package.is_project or package.version >= pinned[1]:
                    continue
                entry = pinned[0]
                how = RELOCK.get(basename(lock), "re-lock").format(name=entry.package)
                project.report(
                    self.rule_id,
                    lock,
                    package.version_span,
                    f"{basename(lock)} locks {entry.package} {package.version}, below the matrix minimum "
                    f"{entry.minimum}; upgrade it (`{how}`)",
                )
        for dependency in files.dependencies:
            pinned = matrix.get(dependency.name)
            if pinned is None or not dependency_possible(project, dependency):
                continue
            if dependency.name in files.locked_names(dependency.path):
                continue  # the lock file says what is installed: it was checked above
            self._check_dependency(project, dependency, pinned, pinned[0].package)
        self._pre_commit(project, matrix)

    def _check_dependency(self, project: Project, dependency: Dependency, pinned, shown: str) -> None:
        entry, minimum, tested = pinned
        below = _below(dependency, minimum, tested)
        if below is None:
            return
        exact = all(s.operator in ("==", "===") for spec in dependency.specifiers for s in spec)
        if dependency.name == "python" or " = " in dependency.text:  # requires-python, a Poetry constraint
            fix = f"raise its lower bound to {entry.minimum}"
        elif exact and dependency.specifiers:
            fix = f"pin {entry.package} {entry.minimum} or newer"
        else:
            fix = f"require `{entry.package}>={entry.minimum}`"
        if below == "only":
            what = f"admits only {shown} versions below"
        else:
            what = f"{'pins' if exact else 'admits'} {shown} {below}, below"
        project.report(
            self.rule_id,
            dependency.path,
            dependency.span,
            f"`{dependency.text}` {what} the matrix minimum {entry.minimum}; {fix}",
        )

    def _pre_commit(self, project: Project, matrix) -> None:
        files = project_files(project)
        for path, repo in files.pre_commit_repos():
            url = str(repo.get("repo", "")).rstrip("/").removesuffix(".git")
            package = next((p for r, p in PRE_COMMIT_MIRRORS.items() if url.endswith(r)), None)
            rev = repo.get("rev")
            if package is None or package not in matrix or rev is None:
                continue
            version = _version(str(rev))
            entry, minimum, _ = matrix[package]
            if version is None or version >= minimum:
                continue
            line = getattr(rev, "line", 1)
            col = getattr(rev, "col", 1)
            project.report(
                self.rule_id,
                path,
                (line, col, line, col + len(str(rev))),
                f"the {basename(url)} hook is pinned at `rev: {rev}` ({package} {version}), below the matrix minimum "
                f"{entry.minimum}; bump it (`pre-commit autoupdate`)",
            )


@register
class BannedPackages(ProjectCheck):
    rule_id = "versions-banned-packages"

    def check(self, project: Project) -> None:
        files = project_files(project)
        banned = {canonicalize_name(b.package): b for b in project.pack.matrix.banned}
        if banned:
            declared: set[str] = set()
            for dependency in files.dependencies:
                entry = banned.get(dependency.name)
                if entry is None or not dependency_possible(project, dependency):
                    continue
                declared.add(dependency.name)
                project.report(
                    self.rule_id,
                    dependency.path,
                    dependency.span,
                    f"`{dependency.text}` {self._installs(dependency, entry.package)}; replace it with "
                    f"{entry.replacement}",
                )
            for lock, packages in files.locked.items():
                for package in packages:
                    entry = banned.get(package.name)
                    if entry is None or package.name in declared or package.is_project:
                        continue
                    projects = {p.name for p in packages if p.is_project}
                    parents = [f"`{p}`" for p in package.parents if p not in projects]
                    version = f" {package.version}" if package.version else ""
                    via = f" (required by {', '.join(parents)})" if parents else ""
                    project.report(
                        self.rule_id,
                        lock,
                        package.name_span,
                        f"{basename(lock)} locks `{entry.package}`{version}{via}, which the pack bans; replace "
                        f"it with {entry.replacement} and re-lock",
                    )

    @staticmethod
    def _installs(dependency: Dependency, package: str) -> str:
        """`is banned` reads badly after `python-jose`: say what the entry installs when it is more than a name."""
        bare = canonicalize_name(dependency.text.strip()) == dependency.name
        return "is on the pack's banned list" if bare else f"installs `{package}`, which the pack bans"
