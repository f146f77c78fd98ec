"""`bp-rules rules new <id>`: a new rule's record and its check, in place, ready to fill in.

The record goes to `rules/<category>/<id>.yaml`, valid under the schema, with one Don't and one Do to write;
the check goes to `validator/checks/<category>/<name>.py`, where the checks package finds and registers it.
Nothing else needs editing by hand to register the rule; the rule pages and exported files are regenerated
by their own commands once the record is written.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).parent
ID_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")  # the schema's `id` pattern


class ScaffoldError(ValueError):
    """The id or category cannot take a new rule (unknown category, taken id, malformed id)."""


def check_package(category: str) -> str:
    """The checks subpackage of a category: its name, with a trailing underscore when it is a Python keyword."""
    return f"{category}_" if keyword.iskeyword(category) else category


def check_module(rule_id: str, category: str) -> str:
    """The module a rule's own check lives in: the id without its category prefix, in snake case."""
    return rule_id.removeprefix(f"{category}-").replace("-", "_")


@dataclass(frozen=True)
class Scaffold:
    record: Path
    check: Path
    written: tuple[Path, ...]


def plan(rule_id: str, category: str | None = None, package: Path | None = None) -> tuple[str, Path, Path]:
    """(category, record path, check path) for a new rule, or ScaffoldError saying why it cannot be added."""
    package = package or PACKAGE
    if not ID_PATTERN.match(rule_id):
        raise ScaffoldError(f"{rule_id!r} is no rule id: kebab-case, its first segment the category (`db-...`)")
    category = category or rule_id.split("-", 1)[0]
    rules_dir = package / "rules"
    categories = sorted(p.name for p in rules_dir.iterdir() if p.is_dir())
    if category not in categories:
        raise ScaffoldError(f"unknown category {category!r}; the categories are: {', '.join(categories)}")
    if not rule_id.startswith(f"{category}-"):
        raise ScaffoldError(f"{rule_id!r} does not start with its category prefix `{category}-`")
    taken = [p for p in rules_dir.rglob(f"{rule_id}.yaml")]
    if taken:
        raise ScaffoldError(f"rule {rule_id!r} exists already: {taken[0].relative_to(package)}")
    check = package / "validator" / "checks" / check_package(category) / f"{check_module(rule_id, category)}.py"
    if check.exists():
        raise ScaffoldError(f"{check.relative_to(package)} exists already")
    return category, rules_dir / category / f"{rule_id}.yaml", check


def new_rule(rule_id: str, category: str | None = None, package: Path | None = None) -> Scaffold:
    from bp_rules.agents.writer import atomic_write

    category, record, check = plan(rule_id, category, package)
    written = []
    init = check.parent / "__init__.py"
    if not init.exists():
        check.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(init, f'"""Checks of the `{category}` rules (`rules/{category}/`)."""\n')
        written.append(init)
    atomic_write(record, record_text(rule_id, category))
    atomic_write(check, check_text(rule_id))
    return Scaffold(record, check, (*written, record, check))


def record_text(rule_id: str, category: str) -> str:
    return f"""\
# yaml-language-server: $schema=../../schema/rule.schema.json
id: {rule_id}
title: "TODO: a short title"
category: {category}
severity: warning
summary: "TODO: one imperative line saying what to do."
rationale: |
  TODO: why, what breaks and for whom.
source:
  - "TODO: the section of the guide the practice comes from"
origin: explicit
scope: code
examples:
  dont:
    - title: "TODO: what the example shows"
      path: src/example.py
      code: |
        # TODO: code that breaks the rule; `lines` lists the lines where the finding must land
        breaks_the_rule()
      lines: [2]
  do:
    - title: "TODO: what the example shows"
      path: src/example.py
      code: |
        # TODO: the same code following the rule
        follows_the_rule()
check:
  kind: python
fix: "TODO: how to fix a finding."
"""


def check_text(rule_id: str) -> str:
    name = "".join(part.capitalize() for part in rule_id.split("-")[1:])
    return f'''\
"""`{rule_id}`: TODO: what the check looks for, in one line."""

from __future__ import annotations

from bp_rules.validator.context import FileContext
from bp_rules.validator.registry import FileCheck, register


@register
class {name}(FileCheck):
    rule_id = "{rule_id}"

    def check(self, ctx: FileContext) -> None:
        """TODO: report each occurrence with `ctx.report(self.rule_id, node, message)`, or
        `ctx.report_at(self.rule_id, call, message)` for what the file's summary (`ctx.summary`) lists."""
'''
