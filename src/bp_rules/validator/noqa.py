"""`# noqa: rule-id[, rule-id]` suppressions. A bare `# noqa` does not silence bp-rules: rule ids are explicit.

`# bp-rules: noqa: rule-id[, ...]` anywhere in a file silences those rules in the whole file. In the table
`parse` returns, such a file-wide comment is stored under the negative of its line number.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Collection

from bp_rules.selection import hint
from bp_rules.validator.registry import Finding

# a suppression naming at least one kebab-case id (bp-rules'), not only E501-style codes of other tools
_OURS = re.compile(r"#\s*(?:bp-rules\s*:\s*)?noqa\s*:[^\n]*[A-Za-z0-9]-[A-Za-z]", re.IGNORECASE)
_IDS = r"\s*:\s*(?P<ids>[A-Za-z0-9_-]+(?:\s*,\s*[A-Za-z0-9_-]+)*)"
_NOQA = re.compile(r"#\s*noqa" + _IDS, re.IGNORECASE)
_FILE_WIDE = re.compile(r"#\s*bp-rules\s*:\s*noqa" + _IDS, re.IGNORECASE)


def parse(text: str) -> dict[int, frozenset[str]]:
    """Line number -> rule ids suppressed on that line; -line -> ids a file-wide comment on `line` silences."""
    if not _OURS.search(text):  # most files have none, or only other tools' codes: skip tokenizing
        return {}
    found: dict[int, frozenset[str]] = {}
    for number, comment in _comments(text):
        for pattern, key in ((_NOQA, number), (_FILE_WIDE, -number)):
            ids = frozenset(_ids(m) for match in pattern.finditer(comment) for m in match.group("ids").split(","))
            if ids:
                found[key] = found.get(key, frozenset()) | ids
    return found


def _ids(raw: str) -> str:
    return raw.strip().lower()


def _comments(text: str):
    """(line, comment) for every real comment: a `# noqa` inside a string literal does not count."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                yield token.start[0], token.string
    except (tokenize.TokenError, SyntaxError):
        # not Python (a project file) or not tokenizable: fall back to lines split on newlines only
        for number, line in enumerate(text.split("\n"), start=1):
            if "#" in line:
                yield number, line[line.index("#") :]


def apply(
    findings: list[Finding],
    suppressions: dict[str, dict[int, frozenset[str]]],
    *,
    known: Collection[str] | None = None,
    selected: Collection[str] | None = None,
) -> tuple[list[Finding], list[Finding]]:
    """Drop suppressed findings; return (kept, unused or unknown suppressions as findings).

    `known` are the ids of the pack (an id outside it is reported as unknown); a suppression of a rule that is
    not `selected` in this run cannot be judged, so it is not reported.
    """
    used: set[tuple[str, int, str]] = set()
    kept = []
    for f in findings:
        table = suppressions.get(f.path, {})
        hit = next((ln for ln in (f.line, f.end_line) if f.rule in table.get(ln, ())), None)
        if hit is None:
            hit = next((ln for ln, ids in table.items() if ln < 0 and f.rule in ids), None)
        if hit is None:
            kept.append(f)
        else:
            used.add((f.path, hit, f.rule))
    unused = []
    for path, table in suppressions.items():
        for key, ids in table.items():
            for rule_id in sorted(ids):
                if (path, key, rule_id) in used or not _looks_like_ours(rule_id):
                    continue
                if known is not None and rule_id not in known:
                    message = f"unknown rule id `{rule_id}` in a suppression{hint(rule_id, known)}"
                    fix = f"Correct or remove `{rule_id}`; `bp-rules rules list` lists the ids."
                elif selected is not None and rule_id not in selected:
                    continue
                else:
                    scope = "in this file" if key < 0 else "on this line"
                    message = f"unused suppression of `{rule_id}`: nothing to silence {scope}"
                    fix = f"Remove `{rule_id}` from the `# noqa` comment."
                line = abs(key)
                unused.append(Finding(path, line, 1, "unused-noqa", line, 1, "info", message, fix))
    return kept, unused


def _looks_like_ours(rule_id: str) -> bool:
    # ruff and flake8 codes (E501, F401) share the comment; only kebab-case ids are bp-rules'
    return "-" in rule_id
