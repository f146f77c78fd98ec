"""Render one rule record for a terminal (`bp-rules rules show`)."""

from __future__ import annotations

import textwrap

import click

from bp_rules.schema.models import Autofix, Example, Rule

SEVERITY_COLOURS = {"error": "red", "warning": "yellow", "info": "blue"}


def _heading(text: str, color: bool) -> str:
    return click.style(text, bold=True) if color else text


def _example_lines(example: Example, label: str, color: bool) -> list[str]:
    out = []
    title = f"{label}: {example.title}" if example.title else label
    out.append(_heading(title, color))
    for file in example.as_files():
        if example.files is not None or file.path != "example.py":
            out.append(f"  # {file.path}")
        for number, line in enumerate(file.code.rstrip("\n").splitlines(), start=1):
            marker = ">" if number in file.lines else " "
            text = f" {marker} {number:>3} | {line}".rstrip()
            out.append(click.style(text, fg="red") if color and marker == ">" else text)
    return out


def rule_text(rule: Rule, *, color: bool = False) -> str:
    sev = rule.severity.value
    sev_text = click.style(sev, fg=SEVERITY_COLOURS[sev], bold=True) if color else sev
    lines = [
        f"{_heading(rule.id, color)}  [{sev_text}]  {rule.title}",
        "",
        rule.summary,
        "",
        _heading("Why", color),
        textwrap.indent(textwrap.fill(" ".join(rule.rationale.split()), 100), "  "),
        "",
    ]
    for example in rule.examples.dont:
        lines += [*_example_lines(example, "Don't", color), ""]
    for example in rule.examples.do:
        lines += [*_example_lines(example, "Do", color), ""]
    lines += [_heading("Fix", color), textwrap.indent(textwrap.fill(rule.fix, 100), "  "), ""]
    if rule.check is None:
        checked = "guidance only (no deterministic check)"
    else:
        checked = f"checked by `bp-rules verify` ({rule.check.kind} check)"
    if rule.ruff:
        checked += f"; nearest ruff codes: {', '.join(rule.ruff)}"
    if rule.autofix is Autofix.safe:
        checked += "; fix: safe (`bp-rules verify --fix`)"
    elif rule.autofix is Autofix.unsafe:
        checked += f"; fix: unsafe (`bp-rules verify --fix --unsafe-fixes`: {rule.autofix_reason})"
    details = [
        f"Checked:  {checked}",
        f"Scope:    {rule.scope.value}, files {', '.join(rule.globs())}",
        f"Enabled:  {'yes' if rule.enabled_by_default else 'no (opt-in)'}",
        f"Source:   {'; '.join(rule.source)} ({rule.origin.value})",
        f"Suppress: # noqa: {rule.id}",
    ]
    return "\n".join(lines + details)
