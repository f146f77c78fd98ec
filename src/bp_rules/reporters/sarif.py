"""SARIF 2.1.0, with each rule's help text taken from its record."""

from __future__ import annotations

import json

from bp_rules import __version__

LEVELS = {"error": "error", "warning": "warning", "info": "note"}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _rule_descriptor(rule_id: str, pack) -> dict:
    rule = pack.rules.get(rule_id) if pack else None
    if rule is None:
        return {"id": rule_id, "shortDescription": {"text": rule_id}}
    help_text = f"{rule.summary}\n\nWhy: {' '.join(rule.rationale.split())}\n\nFix: {rule.fix}"
    return {
        "id": rule.id,
        "name": rule.title,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": " ".join(rule.rationale.split())},
        "help": {"text": help_text, "markdown": help_text},
        "defaultConfiguration": {"level": LEVELS[rule.severity.value]},
        "properties": {"category": rule.category, "tags": [rule.category, *rule.ruff]},
    }


def render(findings, *, pack=None, **_) -> str:
    rule_ids = sorted({f.rule for f in findings})
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
                        "rules": [_rule_descriptor(r, pack) for r in rule_ids],
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"
