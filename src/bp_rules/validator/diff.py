"""The lines a change adds or modifies, from git: `bp-rules verify diff`."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


class GitError(Exception):
    pass


@dataclass
class Change:
    """Added lines per path (relative to the repository root); `None` means the whole file is new."""

    root: Path
    lines: dict[str, set[int] | None] = field(default_factory=dict)

    def touches(self, path: str, line: int) -> bool:
        if path not in self.lines:
            return False
        added = self.lines[path]
        return added is None or line in added


def _git(root: Path, *args: str, stdin: str | None = None) -> str:
    try:
        done = subprocess.run(
            ["git", "-c", "core.quotepath=off", *args],
            cwd=root,
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError as exc:
        raise GitError("git is not installed") from exc
    if done.returncode != 0:
        raise GitError(done.stderr.strip() or f"git {' '.join(args)} failed")
    return done.stdout


def repo_root(start: Path) -> Path:
    return Path(_git(start, "rev-parse", "--show-toplevel").strip())


def _has_commits(root: Path) -> bool:
    try:
        _git(root, "rev-parse", "--verify", "-q", "HEAD")
        return True
    except GitError:
        return False


def parse_unified(text: str) -> dict[str, set[int] | None]:
    """Added line numbers per new path from `git diff --unified=0` output (None: the whole file).

    A file git takes for binary has no hunks, only `Binary files a/x and b/x differ`: it counts as changed
    whole, so that a source file with a stray NUL byte still gets its syntax-error finding.
    """
    out: dict[str, set[int] | None] = {}
    binary: dict[str, None] = {}
    current: str | None = None
    for line in text.split("\n"):
        if line.startswith("Binary files ") and line.endswith(" differ"):
            _, _, target = line[len("Binary files ") : -len(" differ")].rpartition(" and ")
            target = _unquote(target)
            if target != "/dev/null":
                binary[target.removeprefix("b/")] = None
            continue
        if line.startswith("+++ "):
            target = _unquote(line[4:].rstrip("\t"))
            current = None if target == "/dev/null" else target.removeprefix("b/")
            if current is not None:
                out.setdefault(current, set())
        elif current is not None and line.startswith("@@"):
            match = _HUNK.match(line)
            if match:
                start, count = int(match.group(1)), int(match.group(2) or "1")
                out[current].update(range(start, start + count))
    return {**{path: lines for path, lines in out.items() if lines}, **binary}


def _unquote(path: str) -> str:
    """git C-quotes paths with unusual characters: `"b/caf\\303\\251.py"`."""
    if len(path) >= 2 and path[0] == path[-1] == '"':
        raw = path[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
        return raw.encode("latin-1").decode("utf-8", "replace")
    return path


def changed_lines(start: Path, *, staged: bool = False, base: str | None = None, revs: str | None = None) -> Change:
    root = repo_root(start)
    change = Change(root=root)
    common = ["diff", "--unified=0", "--no-color", "--no-ext-diff", "-M", "--diff-filter=AMRC"]
    if not _has_commits(root):
        # nothing to compare against: every staged (and, unless --staged, every new) file is added whole
        listed = _git(root, "ls-files", "--cached", *(() if staged else ("--others", "--exclude-standard")))
        change.lines = {p: None for p in listed.splitlines() if p}
        return change
    if revs:
        # git reads `A..B`, `A...B` (since the merge-base) and a single revision itself
        change.lines.update(parse_unified(_git(root, *common, revs)))
        return change
    if base:
        merge_base = _git(root, "merge-base", base, "HEAD").strip()
        change.lines.update(parse_unified(_git(root, *common, merge_base)))
    elif staged:
        change.lines.update(parse_unified(_git(root, *common, "--cached")))
        return change
    else:
        change.lines.update(parse_unified(_git(root, *common, "HEAD")))
    for path in _git(root, "ls-files", "--others", "--exclude-standard").splitlines():
        if path:
            change.lines[path] = None
    return change


def staged_tree(root: Path, dest: Path, wanted: Callable[[str], bool]) -> list[str]:
    """Write the index's version of the wanted files under `dest`: exactly what `git commit` would record.

    Only regular files at stage 0 (merged): symlinks and submodules are not source to read, and a file in
    the middle of a merge conflict has no single staged content.
    """
    paths = []
    for entry in _git(root, "ls-files", "-z", "--stage").split("\0"):
        meta, _, path = entry.partition("\t")
        fields = meta.split()
        if len(fields) == 3 and fields[0] in ("100644", "100755") and fields[2] == "0" and wanted(path):
            paths.append(path)
    if paths:
        _git(root, "checkout-index", "-z", "--stdin", f"--prefix={dest.as_posix()}/", stdin="\0".join(paths))
    return paths
