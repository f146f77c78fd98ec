"""`verify --fix` / `--diff`: fix, check again, fix what is left, until nothing more can be fixed.

Fixes are computed in memory: each pass checks the fixed text as it would be on disk (an overlay), so
`--diff` shows exactly what `--fix` would write. Only then are files written, each atomically, and only when
it still holds what was read: a file edited meanwhile is left alone.
"""

from __future__ import annotations

import ast
import difflib
import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import libcst as cst

from bp_rules.fixes.edits import Edit, apply_edits, compatible, edits_between, shift_lines
from bp_rules.fixes.fix import SourceIndex
from bp_rules.fixes.rewrite import file_fixes, load_codemods
from bp_rules.schema.loader import Pack
from bp_rules.schema.models import Autofix
from bp_rules.validator.config import Config
from bp_rules.validator.diff import Change
from bp_rules.validator.engine import RunResult, run
from bp_rules.validator.files import SourceFiles

MAX_PASSES = 10


@dataclass
class FixRun:
    result: RunResult  # the findings left after fixing
    originals: dict[str, bytes] = field(default_factory=dict)  # path -> content as read
    fixed: dict[str, str] = field(default_factory=dict)  # path -> fixed text
    applied: Counter = field(default_factory=Counter)  # rule id -> fixes applied
    change: Change | None = None  # `verify diff`'s lines, moved along with the fixes

    def diff(self) -> str:
        out = []
        for path in sorted(self.fixed):
            before = self.originals[path].decode("utf-8").splitlines(keepends=True)
            after = self.fixed[path].splitlines(keepends=True)
            out.extend(difflib.unified_diff(before, after, f"a/{path}", f"b/{path}"))
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in out)


def fixable(pack: Pack, unsafe: bool) -> set[str]:
    """Rule ids whose fixes may be applied: the safe ones, and the unsafe ones when asked. (A rule whose fix
    needs a newer Python than the project targets reports nothing, so it has nothing to fix either.)"""
    codemods = load_codemods()
    allowed = {Autofix.safe, Autofix.unsafe} if unsafe else {Autofix.safe}
    return {rule.id for rule in pack.rules.values() if rule.autofix in allowed and rule.id in codemods}


def fix_project(
    pack: Pack,
    config: Config,
    files: SourceFiles,
    *,
    unsafe: bool = False,
    change: Change | None = None,
    jobs: int | None = None,
    use_cache: bool = True,
) -> FixRun:
    """Fix findings pass after pass (in memory) and return what would change and the findings left."""
    allowed = fixable(pack, unsafe)
    absolute = dict(files.python)
    outcome = FixRun(result=RunResult([], 0), change=change)
    overlay: dict[str, bytes] = {}
    for _ in range(MAX_PASSES):
        outcome.result = run(pack, config, files, jobs=jobs, use_cache=use_cache, sources=overlay)
        todo: dict[str, list] = {}
        for finding in outcome.result.findings:
            if finding.rule in allowed and finding.path in absolute and _in_change(finding, outcome.change):
                todo.setdefault(finding.path, []).append(finding)
        progress = False
        for path, findings in sorted(todo.items()):
            if path not in outcome.originals:
                try:
                    outcome.originals[path] = absolute[path].read_bytes()
                except OSError:
                    continue
            text = outcome.fixed.get(path) or outcome.originals[path].decode("utf-8")
            new, edits, rules = apply_file(path, text, findings)
            if not edits:
                continue
            outcome.fixed[path] = new
            overlay[path] = new.encode("utf-8")
            outcome.applied.update(rules)
            if outcome.change is not None and outcome.change.lines.get(path) is not None:
                lines = dict(outcome.change.lines)
                lines[path] = shift_lines(lines[path], edits)
                outcome.change = replace(outcome.change, lines=lines)
            progress = True
        if not progress:
            break
    else:
        outcome.result = run(pack, config, files, jobs=jobs, use_cache=use_cache, sources=overlay)
    return outcome


def apply_file(path: str, text: str, findings) -> tuple[str, set[Edit], list[str]]:
    """One pass over one file: the fixed text, the edits applied and the rule of each fix applied.

    Fixes that overlap wait for the next pass; a result that does not parse is never kept.
    """
    try:
        index = SourceIndex(path, text, _target_types(findings))
    except (cst.ParserSyntaxError, RecursionError):
        return text, set(), []
    fixes = file_fixes(index, sorted(findings))
    taken, edits = compatible((f, fixes[f][0]) for f in sorted(fixes))
    if not edits:
        return text, set(), []
    new = apply_edits(text, edits)
    if not parses(new):
        return text, set(), []
    # imports released by one fix may still be used by another fixed in the same pass: tidy once, at the end
    module = cst.parse_module(new)
    for finding in taken:
        module = fixes[finding][1].tidy(module)
    if module.code != new:
        new = module.code
        edits = set(edits_between(text, new))
    return new, edits, [f.rule for f in taken]


def parses(text: str) -> bool:
    try:
        ast.parse(text)  # parse only; Python's parser also rejects what libcst lets through (argument order)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _target_types(findings) -> tuple[type, ...]:
    codemods = load_codemods()
    return tuple({t for f in findings if f.rule in codemods for t in codemods[f.rule].targets})


def _in_change(finding, change: Change | None) -> bool:
    return change is None or change.touches(finding.path, finding.line)


def write_fixed(root: Path, outcome: FixRun) -> tuple[list[str], list[str]]:
    """Write each fixed file atomically, unless it changed since it was read: (written, left alone)."""
    written, skipped = [], []
    base = root.resolve()
    for path in sorted(outcome.fixed):
        target = (base / path).resolve()
        if not target.is_relative_to(base):
            skipped.append(path)
            continue
        try:
            if target.read_bytes() != outcome.originals[path]:
                skipped.append(path)
                continue
            _atomic_write(target, outcome.fixed[path].encode("utf-8"))
        except OSError:
            skipped.append(path)
            continue
        written.append(path)
    return written, skipped


def _atomic_write(path: Path, data: bytes) -> None:
    mode = path.stat().st_mode & 0o7777
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".bp-rules-fix")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
