"""Rule pages: one Markdown page per rule, the same sections in the same order, and an index.

`bp-rules rules docs --out DIR` writes them; `docs/rules/` holds the built-in pack's, which exported agent
files and SARIF `helpUri` link to (`bp_rules.links`). Rule text comes from the records, other prose from
`pages.yaml`.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from bp_rules.agents import markdown as md
from bp_rules.agents.content import load_guides
from bp_rules.agents.writer import PROVENANCE_PREFIX, Change, Output, has_provenance, plan
from bp_rules.schema.models import Rule

INDEX = "README.md"
HEADER = f"{PROVENANCE_PREFIX} by `bp-rules rules docs` from the rule records; do not edit. -->"
SECTIONS = ("What it does", "Why", "Don't", "Do", "Fix", "Options", "How it is checked", "References")


@cache
def load_prose() -> dict[str, Any]:
    return yaml.safe_load(resources.files("bp_rules").joinpath("pages.yaml").read_text(encoding="utf-8"))


def _autofix(rule: Rule, prose: dict) -> str:
    """The fix's safety, and for an unsafe one what it may change."""
    text = prose["autofix"][rule.autofix.value]
    return f"{text} {md.one_line(rule.autofix_reason)}" if rule.autofix_reason else text


def _options(rule: Rule, prose: dict[str, Any]) -> str:
    lines = [prose["options_common"].format(id=rule.id, category=rule.category).strip()]
    if not rule.enabled_by_default:
        lines.insert(0, prose["options_opt_in"].format(id=rule.id).strip())
    specific = [*prose["options"].get(rule.id, []), *prose["options"].get(rule.category, [])]
    if specific:
        lines.append("Settings that change what it sees:\n\n" + "\n".join(f"- {item}" for item in specific))
    return "\n\n".join(lines)


def _checked(rule: Rule, prose: dict[str, Any]) -> str:
    parts = [md.checked_text(rule)]
    if rule.check is not None:
        parts.append(prose["checked"].get(rule.check.kind, ""))
    parts.append(f"Applies to: {', '.join(f'`{g}`' for g in rule.globs())}.")
    return " ".join(p for p in parts if p)


def page(rule: Rule) -> str:
    prose = load_prose()
    opt_in = "" if rule.enabled_by_default else " · opt-in"
    checked = "checked" if rule.checked else "guidance only"
    head = f"# `{rule.id}`: {md.one_line(rule.title)}\n\n{rule.severity.value}{opt_in} · {rule.category} · {checked}"
    bodies = {
        "What it does": md.one_line(rule.summary),
        "Why": md.one_line(rule.rationale),
        "Don't": "\n\n".join(md.example_md(e, "Don't") for e in rule.examples.dont),
        "Do": "\n\n".join(md.example_md(e, "Do") for e in rule.examples.do),
        "Fix": f"{md.one_line(rule.fix)}\n\n{_autofix(rule, prose)}",
        "Options": _options(rule, prose),
        "How it is checked": _checked(rule, prose),
        "References": "\n".join(f"- {source}" for source in rule.source),
    }
    return "\n\n".join([head, *(f"## {title}\n\n{bodies[title]}" for title in SECTIONS)]) + "\n"


def index(rules: list[Rule]) -> str:
    prose = load_prose()
    titles = {c["id"]: c["title"] for c in load_guides().get("categories", [])}
    parts = [f"# {prose['index_title']}", md.one_line(prose["index_intro"])]
    for category in sorted(
        {r.category for r in rules}, key=lambda c: (list(titles).index(c) if c in titles else 99, c)
    ):
        rows = [
            (f"[`{r.id}`]({r.id}.md)", r.severity.value, "checked" if r.checked else "guidance", md.one_line(r.summary))
            for r in sorted(rules, key=lambda r: (-r.severity.rank, r.id))
            if r.category == category
        ]
        parts += [
            f"## {titles.get(category, category.capitalize())}",
            md.table(["Rule", "Severity", "Checked", "What"], rows),
        ]
    return "\n\n".join(parts) + "\n"


def pages(rules: list[Rule]) -> dict[str, str]:
    """{file name: text} for every rule and the index."""
    return {INDEX: index(rules), **{f"{rule.id}.md": page(rule) for rule in rules}}


def changes(out: Path, rules: list[Rule]) -> list[Change]:
    """What writing the pages into `out` changes: pages created or updated, and pages of rules that are
    gone deleted (only files that carry the bp-rules header)."""
    outputs = {name: Output(f"{HEADER}\n\n{text}", False) for name, text in pages(rules).items()}
    planned = plan(out, outputs, [])
    if out.is_dir():
        for path in sorted(out.glob("*.md")):
            if path.name not in outputs and path.is_file() and not path.is_symlink():
                text = path.read_text(encoding="utf-8")
                if has_provenance(text):
                    planned.append(Change(path.name, "delete", text, None))
    return planned
