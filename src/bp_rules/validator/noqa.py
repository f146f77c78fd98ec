"""`# noqa: rule-id[, rule-id]` suppressions. A bare `# noqa` does not silence bp-rules: rule ids are explicit."""

from __future__ import annotations

import io
import re
import tokenize

from bp_rules.validator.registry import Finding

# a suppression naming at least one kebab-case id (bp-rules'), not only E501-style codes of other tools
_OURS = re.compile(r"#\s*noqa\s*:[^\n]*[A-Za-z0-9]-[A-Za-z]", re.IGNORECASE)
_NOQA = re.compile(r"#\s*noqa\s*:\s*(?P<ids>[A-Za-z0-9_-]+(?:\s*,\s*[A-Za-z0-9_-]+)*)", re.IGNORECASE)


def parse(text: str) -> dict[int, frozenset[str]]:
    """Line number -> rule ids suppressed on that line."""
    if not _OURS.search(text):  # most files have none, or only other tools' codes: skip tokenizing
        return {}
    found: dict[int, frozenset[str]] = {}
    for number, comment in _comments(text):
        match = _NOQA.search(comment)
        if match:
            found[number] = frozenset(p.strip().lower() for p in match.group("ids").split(","))
    return found


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
    findings: list[Finding], suppressions: dict[str, dict[int, frozenset[str]]]
) -> tuple[list[Finding], list[Finding]]:
    """Drop suppressed findings; return (kept, unused suppressions as findings)."""
    used: set[tuple[str, int, str]] = set()
    kept = []
    for f in findings:
        lines = suppressions.get(f.path, {})
        hit = next((ln for ln in (f.line, f.end_line) if f.rule in lines.get(ln, ())), None)
        if hit is None:
            kept.append(f)
        else:
            used.add((f.path, hit, f.rule))
    unused = []
    for path, table in suppressions.items():
        for line, ids in table.items():
            for rule_id in sorted(ids):
                if (path, line, rule_id) not in used and _looks_like_ours(rule_id):
                    unused.append(
                        Finding(
                            path,
                            line,
                            1,
                            "unused-noqa",
                            line,
                            1,
                            "info",
                            f"unused suppression of `{rule_id}`: nothing to silence on this line",
                            f"Remove `{rule_id}` from the `# noqa` comment.",
                        )
                    )
    return kept, unused


def _looks_like_ours(rule_id: str) -> bool:
    # ruff and flake8 codes (E501, F401) share the comment; only kebab-case ids are bp-rules'
    return "-" in rule_id
