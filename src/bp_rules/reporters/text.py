"""`path:line:col: rule-id message`, coloured on a terminal, with a summary line."""

from __future__ import annotations

from collections import Counter

import click

COLOURS = {"error": "red", "warning": "yellow", "info": "blue"}


def render(findings, *, pack=None, color: bool = False, show_fixes: bool = False, files: int = 0, **_) -> str:
    lines = []
    for f in findings:
        where = f"{f.path}:{f.line}:{f.col}:"
        rule = f.rule
        if color:
            where = click.style(where, bold=True)
            rule = click.style(rule, fg=COLOURS.get(f.severity, "white"), bold=True)
        lines.append(f"{where} {rule} {f.message}")
        if show_fixes and f.fix:
            lines.append(f"    fix: {f.fix}")
    counts = Counter(f.severity for f in findings)
    if findings:
        detail = ", ".join(f"{counts[s]} {s}" for s in ("error", "warning", "info") if counts[s])
        summary = f"Found {len(findings)} finding{'s' if len(findings) != 1 else ''} ({detail}) in {_files(files)}."
    else:
        summary = f"All checks passed ({_files(files)})."
    lines.append(click.style(summary, bold=True) if color else summary)
    return "\n".join(lines) + "\n"


def _files(count: int) -> str:
    return f"{count} file" if count == 1 else f"{count} files"
