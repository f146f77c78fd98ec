"""`path:line:col: rule-id message`, coloured on a terminal, with a summary line."""

from __future__ import annotations

from collections import Counter

import click

from bp_rules.reporters.statistics import counts

COLOURS = {"error": "red", "warning": "yellow", "info": "blue"}
RANKS = {"info": 0, "warning": 1, "error": 2}
TOP_RULES = 3
MANY = 10  # a run with this many findings names its most frequent rules


def render(
    findings, *, pack=None, color: bool = False, show_fixes: bool = False, files: int = 0, fail_on: str = "info", **_
) -> str:
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
    summary = [_summary(findings, files, fail_on)]
    by_rule = counts(findings)
    if len(by_rule) > 1 and len(findings) >= MANY:
        top = ", ".join(f"{rule} ({count})" for rule, count in by_rule[:TOP_RULES])
        more = f"; {len(by_rule) - TOP_RULES} more rules" if len(by_rule) > TOP_RULES else ""
        summary.append(f"Most frequent: {top}{more} (--statistics counts every rule).")
    lines += [click.style(s, bold=True) if color else s for s in summary]
    return "\n".join(lines) + "\n"


def _summary(findings, files: int, fail_on: str) -> str:
    if not findings:
        return f"All checks passed ({_plural(files, 'file')})."
    severities = Counter(f.severity for f in findings)
    detail = ", ".join(_plural(severities[s], s) for s in ("error", "warning", "info") if severities[s])
    text = f"Found {_plural(len(findings), 'finding')} ({detail}) in {_plural(files, 'file')}."
    if any(RANKS.get(s, 0) < RANKS.get(fail_on, 0) for s in severities):
        text += f" Only those at or above --fail-on {fail_on} fail the run."
    return text


def _plural(count: int, noun: str) -> str:
    # "3 errors", "2 warnings", but "3 info" (a mass noun)
    return f"{count} {noun}" if count == 1 or noun == "info" else f"{count} {noun}s"
