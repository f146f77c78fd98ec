"""`--statistics`: how many findings each rule has, most frequent first (ruff's `--statistics`)."""

from __future__ import annotations

import json
from collections import Counter


def counts(findings) -> list[tuple[str, int]]:
    """(rule id, count), most frequent first, ties by id."""
    return sorted(Counter(f.rule for f in findings).items(), key=lambda item: (-item[1], item[0]))


def render(findings, *, pack=None, fmt: str = "text", **_) -> str:
    severities = {f.rule: f.severity for f in findings}
    rows = []
    for rule_id, count in counts(findings):
        rule = pack.rules.get(rule_id) if pack else None
        rows.append({"rule": rule_id, "count": count, "severity": severities[rule_id],
                     "summary": rule.summary if rule else ""})  # fmt: skip
    if fmt == "json":
        return json.dumps(rows, indent=2) + "\n"
    width = max((len(str(r["count"])) for r in rows), default=1)
    id_width = max((len(r["rule"]) for r in rows), default=1)
    lines = [
        f"{r['count']:>{width}}  {r['rule']:<{id_width}}  {r['severity']:<7}  {r['summary']}".rstrip() for r in rows
    ]
    total = sum(r["count"] for r in rows)
    lines.append(f"Found {_plural(total, 'finding')} of {_plural(len(rows), 'rule')}.")
    return "\n".join(lines) + "\n"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
