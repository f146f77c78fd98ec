"""The pure part of the review harness: finding keys, the seeded sample, the ledger and what changed since it.

A finding is matched to a verdict by (repository, path, rule, stripped text of its line), so a verdict survives
edits that only move the line.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

VERDICTS = ("right", "wrong", "debatable")
LEDGER_FIELDS = ("repo", "commit", "path", "line", "rule", "text", "verdict", "reason")


@dataclass(frozen=True)
class Finding:
    repo: str
    commit: str
    path: str
    line: int
    rule: str
    text: str  # the finding's source line, stripped
    message: str = ""

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.repo, self.path, self.rule, self.text)


@dataclass(frozen=True)
class Verdict:
    repo: str
    commit: str
    path: str
    line: int
    rule: str
    text: str
    verdict: str
    reason: str

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.repo, self.path, self.rule, self.text)


class LedgerError(ValueError):
    pass


def findings_from_report(repo: str, commit: str, report: list[dict], lines_of) -> list[Finding]:
    """`report` is bp-rules' JSON output; `lines_of(path)` returns that file's lines (empty if unreadable)."""
    found = []
    for item in report:
        lines = lines_of(item["path"])
        line = int(item.get("line") or 0)
        text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        found.append(Finding(repo, commit, item["path"], line, item["rule"], text, item.get("message", "")))
    return found


def sample(findings: Iterable[Finding], per_rule: int, seed: int) -> list[Finding]:
    """Up to `per_rule` findings for each (repository, rule), drawn with a generator seeded by
    (seed, repository, rule) so one rule's draw does not depend on how many findings other rules have."""
    groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        groups[(finding.repo, finding.rule)].append(finding)
    drawn = []
    for (repo, rule), group in sorted(groups.items()):
        group.sort(key=lambda f: (f.path, f.line, f.text))
        rng = random.Random(f"{seed}:{repo}:{rule}")
        drawn.extend(rng.sample(group, min(per_rule, len(group))))
    return drawn


def parse_ledger(text: str) -> list[Verdict]:
    verdicts = []
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise LedgerError(f"ledger line {number}: not JSON ({exc.msg})") from exc
        missing = [name for name in LEDGER_FIELDS if name not in data]
        if missing:
            raise LedgerError(f"ledger line {number}: missing {', '.join(missing)}")
        if data["verdict"] not in VERDICTS:
            raise LedgerError(f"ledger line {number}: verdict must be one of {', '.join(VERDICTS)}")
        if not str(data["reason"]).strip():
            raise LedgerError(f"ledger line {number}: a verdict needs a reason")
        verdicts.append(Verdict(**{name: data[name] for name in LEDGER_FIELDS}))
    return verdicts


def load_ledger(path: Path) -> list[Verdict]:
    return parse_ledger(path.read_text(encoding="utf-8")) if path.exists() else []


def ledger_line(finding: Finding, verdict: str = "", reason: str = "") -> str:
    """One ledger row for `finding`; an empty verdict is a row for a reviewer to fill in."""
    data = {name: value for name, value in asdict(finding).items() if name in LEDGER_FIELDS}
    data.update(verdict=verdict, reason=reason)
    return json.dumps({name: data[name] for name in LEDGER_FIELDS}, ensure_ascii=False)


@dataclass
class Comparison:
    wrong_still_reported: list[tuple[Verdict, Finding]]
    right_vanished: list[Verdict]
    unjudged: list[Finding]
    judged: list[tuple[Finding, Verdict]]


def compare(findings: list[Finding], drawn: list[Finding], ledger: list[Verdict], repos: set[str]) -> Comparison:
    """Set the current findings against the ledger. Only ledger rows of repositories in `repos` (the ones this
    run checked) can have vanished. When several rows share a key, the last one is the verdict that counts."""
    by_key = {verdict.key: verdict for verdict in ledger}
    current = {finding.key: finding for finding in findings}
    wrong = [(v, current[k]) for k, v in by_key.items() if v.verdict == "wrong" and k in current]
    vanished = [v for k, v in by_key.items() if v.verdict == "right" and v.repo in repos and k not in current]
    judged = [(f, by_key[f.key]) for f in drawn if f.key in by_key]
    unjudged = [f for f in drawn if f.key not in by_key]
    return Comparison(wrong, vanished, unjudged, judged)


def precision_table(judged: list[tuple[Finding, Verdict]]) -> dict[str, dict[str, int]]:
    """Verdict counts per rule, plus an "ALL" row."""
    table: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(VERDICTS, 0))
    for finding, verdict in judged:
        table[finding.rule][verdict.verdict] += 1
        table["ALL"][verdict.verdict] += 1
    return dict(table)


def precision(counts: dict[str, int]) -> float | None:
    decided = counts["right"] + counts["wrong"]
    return counts["right"] / decided if decided else None


def excerpt(lines: list[str], line: int, around: int = 3) -> str:
    """The lines around `line`, numbered, the finding's line marked with '>'."""
    start, end = max(1, line - around), min(len(lines), line + around)
    width = len(str(end))
    return "\n".join(
        f"{'>' if number == line else ' '} {number:>{width}} | {lines[number - 1].rstrip()}"
        for number in range(start, end + 1)
    )
