"""GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation per finding."""

from __future__ import annotations

LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def render(findings, **_) -> str:
    lines = []
    for f in findings:
        props = ",".join(
            [
                f"file={_escape_property(f.path)}",
                f"line={f.line}",
                f"col={f.col}",
                f"endLine={f.end_line}",
                f"endColumn={f.end_col}",
                f"title={_escape_property('bp-rules ' + f.rule)}",
            ]
        )
        lines.append(f"::{LEVELS.get(f.severity, 'warning')} {props}::{_escape_data(f.rule + ': ' + f.message)}")
    return "\n".join(lines) + ("\n" if lines else "")
