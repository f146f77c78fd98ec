"""What phase 1 keeps of one file: its summary, local findings and suppressions.

Its own module because the engine produces it and the cache and the in-memory store keep it: they import it
from here, not from the engine that imports them.
"""

from __future__ import annotations

from dataclasses import dataclass

from bp_rules.validator.registry import Finding
from bp_rules.validator.summary import FileSummary


@dataclass
class FileResult:
    path: str
    digest: str
    summary: FileSummary | None
    findings: list[Finding]
    suppressions: dict[int, frozenset[str]]
    revision: list | None = None  # an Alembic revision file: [revision, [down revisions]]
    # why a file that does not parse is neither checked nor reported: not Python source (a template)
    not_python: str | None = None
