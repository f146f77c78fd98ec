"""Reading file summaries: every call a file makes, at module level and in its functions."""

from __future__ import annotations

from bp_rules.validator.summary import FileSummary


def all_calls(summary: FileSummary):
    yield from summary.module_calls
    for fn in summary.functions:
        yield from fn.calls
