"""Each finding's fix as data (edits and safety) for the JSON and SARIF reports, and `fix_source` for callers
that hold code in memory (an editor, an MCP tool)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from bp_rules.fixes.edits import Edit
from bp_rules.fixes.fix import SourceIndex
from bp_rules.fixes.rewrite import file_fixes, load_codemods
from bp_rules.schema.loader import Pack, load_pack
from bp_rules.schema.models import Autofix


@dataclass(frozen=True)
class FindingFix:
    applicability: str  # "safe" or "unsafe"
    edits: tuple[Edit, ...]

    def to_json(self) -> dict:
        return {"applicability": self.applicability, "edits": [e.to_json() for e in self.edits]}


def finding_fixes(
    root: Path, findings: Iterable, pack: Pack, texts: dict[str, str] | None = None
) -> dict[object, FindingFix]:
    """The fix of every finding that has one; paths are relative to `root`, and `texts` holds content checked
    in place of a file on disk."""
    texts = texts or {}
    codemods = load_codemods()
    by_path: dict[str, list] = {}
    for finding in findings:
        rule = pack.rules.get(finding.rule)
        if rule is not None and rule.autofix is not Autofix.none and finding.rule in codemods:
            by_path.setdefault(finding.path, []).append(finding)
    out = {}
    for path, group in by_path.items():
        try:
            text = texts[path] if path in texts else (root / path).read_bytes().decode("utf-8")
            index = SourceIndex(path, text, {t for f in group for t in codemods[f.rule].targets})
        except (OSError, UnicodeDecodeError, cst.ParserSyntaxError, RecursionError):
            continue
        for finding, (edits, _) in file_fixes(index, group).items():
            out[finding] = FindingFix(pack.rules[finding.rule].autofix.value, edits)
    return out


def fix_text(path: str, text: str, check: Callable[[str], list], allowed: set[str]) -> tuple[str, Counter, list]:
    """Fix one file held in memory, pass after pass: `check(text)` gives the findings of the text as the file
    at `path`. Returns the fixed text, the fixes applied per rule, and the findings left."""
    from bp_rules.fixes.session import MAX_PASSES, apply_file

    applied: Counter = Counter()
    for _ in range(MAX_PASSES):
        findings = check(text)
        new, edits, rules = apply_file(path, text, [f for f in findings if f.rule in allowed and f.path == path])
        if not edits:
            return text, applied, findings
        text = new
        applied.update(rules)
    return text, applied, check(text)


def fix_source(
    code: str,
    path: str = "example.py",
    *,
    pack: Pack | None = None,
    select: tuple[str, ...] = (),
    unsafe: bool = False,
) -> tuple[str, dict[str, int]]:
    """Fix one file's code in memory, as `verify --fix` would: (fixed code, fixes applied per rule).

    The code is written to a private temporary project (parsed, never run) so that every check sees it
    exactly as it sees a file on disk.
    """
    import tempfile

    from bp_rules.fixes.session import fix_project
    from bp_rules.validator.config import Config
    from bp_rules.validator.files import collect

    pack = pack or load_pack()
    with tempfile.TemporaryDirectory(prefix="bp-rules-fix-") as tmp:
        root = Path(tmp).resolve()
        target = (root / path).resolve()
        if not target.is_relative_to(root):
            raise ValueError(f"path {path!r} leaves the project")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(code, encoding="utf-8")
        config = Config(root=root, select=select)
        outcome = fix_project(pack, config, collect([root], config), unsafe=unsafe, jobs=1, use_cache=False)
        rel = target.relative_to(root).as_posix()
        return outcome.fixed.get(rel, code), dict(outcome.applied)
