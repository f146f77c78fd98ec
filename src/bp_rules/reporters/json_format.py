"""A JSON array of findings with exactly the keys rule, severity, path, line, col, end_line, end_col,
message, fix."""

from __future__ import annotations

import json


def render(findings, **_) -> str:
    return json.dumps([f.to_json() for f in findings], indent=2) + "\n"
