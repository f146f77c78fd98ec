"""`[tool.bp-rules.export]` in pyproject.toml: which targets `bp-rules export` writes by default, in which
detail, and whether a budget overrun fails. Command-line options win over it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from bp_rules.agents.content import DETAILS

BUDGET_MODES = ("warn", "strict")
KEYS = {"targets", "detail", "budget", "wire", "wire-command"}
WIRES = ("hooks", "mcp", "all")


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class ExportSettings:
    targets: tuple[str, ...] = ()
    detail: str | None = None
    budget: str | None = None
    wire: tuple[str, ...] = ()
    wire_command: str | None = None
    warnings: tuple[str, ...] = ()


def load_export_settings(root: Path, known_targets: tuple[str, ...]) -> ExportSettings:
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return ExportSettings()
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
        return ExportSettings()  # the validator's settings loader reports it
    section = data.get("tool", {}).get("bp-rules", {}).get("export", {})
    if not isinstance(section, dict):
        raise SettingsError("[tool.bp-rules.export] must be a table")
    warnings = tuple(f"[tool.bp-rules.export]: unknown setting {k!r} (ignored)" for k in sorted(set(section) - KEYS))
    targets = section.get("targets", [])
    if isinstance(targets, str):
        targets = [targets]
    if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
        raise SettingsError("[tool.bp-rules.export] targets: expected a list of target names")
    unknown = sorted(set(targets) - {*known_targets, "all"})
    if unknown:
        raise SettingsError(f"[tool.bp-rules.export] targets: unknown target {', '.join(unknown)}")
    detail = section.get("detail")
    if detail is not None and detail not in DETAILS:
        raise SettingsError(f"[tool.bp-rules.export] detail: expected one of {', '.join(DETAILS)}")
    budget = section.get("budget")
    if budget is not None and budget not in BUDGET_MODES:
        raise SettingsError(f"[tool.bp-rules.export] budget: expected one of {', '.join(BUDGET_MODES)}")
    wire = section.get("wire", [])
    if isinstance(wire, str):
        wire = [wire]
    if not isinstance(wire, list) or not set(wire) <= set(WIRES):
        raise SettingsError(f"[tool.bp-rules.export] wire: expected a list of {', '.join(WIRES)}")
    wire_command = section.get("wire-command")
    if wire_command is not None and (not isinstance(wire_command, str) or not wire_command.strip()):
        raise SettingsError('[tool.bp-rules.export] wire-command: expected a command, e.g. ".venv/bin/bp-rules"')
    return ExportSettings(tuple(targets), detail, budget, tuple(wire), wire_command, warnings)
