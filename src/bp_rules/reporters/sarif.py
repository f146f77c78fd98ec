"""SARIF 2.1.0, with each rule's help text taken from its record."""

from __future__ import annotations

import json

from bp_rules import __version__
from bp_rules.links import published, rule_page

LEVELS = {"error": "error", "warning": "warning", "info": "note"}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _rule_descriptor(rule_id: str, pack, pages: frozenset[str] = frozenset()) -> dict:
    rule = pack.rules.get(rule_id) if pack else None
    if rule is None:
        return {"id": rule_id, "shortDescription": {"text": rule_id}}
    help_text = f"{rule.summary}\n\nWhy: {' '.join(rule.rationale.split())}\n\nFix: {rule.fix}"
    page = {"helpUri": rule_page(rule.id)} if rule.id in pages else {}  # the rule's published page
    return {
        "id": rule.id,
        "name": rule.title,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": " ".join(rule.rationale.split())},
        "help": {"text": help_text, "markdown": help_text},
        **page,
        "defaultConfiguration": {"level": LEVELS[rule.severity.value]},
        "properties": {"category": rule.category, "tags": [rule.category, *rule.ruff]},
    }


def _fixes(finding, fix, pack) -> list[dict]:
    """SARIF `fixes`: one fix with its replacements; the safety goes in the fix's property bag."""
    if fix is None:
        return []
    rule = pack.rules.get(finding.rule) if pack else None
    replacements = [
        {
            "deletedRegion": {"startLine": e.line, "startColumn": e.col, "endLine": e.end_line, "endColumn": e.end_col},
            "insertedContent": {"text": e.content},
        }
        for e in fix.edits
    ]
    return [
        {
            "description": {"text": rule.fix if rule else finding.fix},
            "artifactChanges": [
                {"artifactLocation": {"uri": finding.path, "uriBaseId": "%SRCROOT%"}, "replacements": replacements}
            ],
            "properties": {"applicability": fix.applicability},
        }
    ]


def render(findings, *, pack=None, fixes=None, **_) -> str:
    fixes = fixes or {}
    rule_ids = sorted({f.rule for f in findings})
    pages = published(pack) if pack is not None and hasattr(pack, "sources") else frozenset()
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    results = [
        {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": LEVELS.get(f.severity, "warning"),
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"},
                        "region": {
                            "startLine": f.line,
                            "startColumn": f.col,
                            "endLine": f.end_line,
                            "endColumn": f.end_col,
                        },
                    }
                }
            ],
            **({"fixes": _fixes(f, fixes[f], pack)} if f in fixes else {}),
        }
        for f in findings
    ]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "bp-rules",
                        "version": __version__,
                        "informationUri": "https://pypi.org/project/bp-rules/",
                        "rules": [_rule_descriptor(r, pack, pages) for r in rule_ids],
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"
