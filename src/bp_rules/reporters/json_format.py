"""A JSON array of findings with exactly the keys rule, severity, path, line, col, end_line, end_col,
message, fix, autofix. `autofix` is null, or the fix bp-rules can apply: its applicability (`safe`, or `unsafe`:
only with `--unsafe-fixes`) and its edits (1-based range, end exclusive, and the text that replaces it)."""

from __future__ import annotations

import json


def render(findings, *, fixes=None, **_) -> str:
    fixes = fixes or {}
    out = []
    for f in findings:
        fix = fixes.get(f)
        out.append({**f.to_json(), "autofix": fix.to_json() if fix is not None else None})
    return json.dumps(out, indent=2) + "\n"
