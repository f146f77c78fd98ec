"""The review harness's pure logic: sampling, matching findings to verdicts, the ledger format."""

from __future__ import annotations

import json

import pytest

from benchmarks.real_world.findings import (
    Finding,
    LedgerError,
    compare,
    excerpt,
    findings_from_report,
    ledger_line,
    parse_ledger,
    precision,
    precision_table,
    sample,
)
from benchmarks.real_world.review import load_manifest


def finding(path="app/x.py", line=1, rule="r1", text="x = 1", repo="o/a"):
    return Finding(repo, "c0ffee", path, line, rule, text)


def verdict_row(f: Finding, verdict: str, reason: str = "because") -> str:
    return ledger_line(f, verdict, reason)


def test_sample_caps_each_repository_and_rule():
    findings = [finding(line=n, rule=f"r{n % 3}", text=f"t{n}") for n in range(30)]
    findings += [finding(line=n, repo="o/b", text=f"t{n}") for n in range(5)]
    drawn = sample(findings, 2, seed=1)
    per_group = {}
    for f in drawn:
        per_group[(f.repo, f.rule)] = per_group.get((f.repo, f.rule), 0) + 1
    assert per_group == {("o/a", "r0"): 2, ("o/a", "r1"): 2, ("o/a", "r2"): 2, ("o/b", "r1"): 2}


def test_sample_keeps_small_groups_whole():
    findings = [finding(line=1), finding(line=2, rule="r2")]
    assert sorted(sample(findings, 5, seed=3), key=lambda f: f.line) == findings


def test_sample_is_deterministic_and_independent_of_input_order_and_other_rules():
    findings = [finding(line=n, text=f"t{n}") for n in range(40)]
    first = sample(findings, 3, seed=7)
    assert sample(list(reversed(findings)), 3, seed=7) == first
    noise = [finding(line=n, rule="other", text=f"o{n}") for n in range(25)]
    assert [f for f in sample(findings + noise, 3, seed=7) if f.rule == "r1"] == first


def test_a_new_seed_draws_a_different_sample():
    findings = [finding(line=n, text=f"t{n}") for n in range(40)]
    assert sample(findings, 3, seed=1) != sample(findings, 3, seed=2)


def test_findings_take_their_line_text_stripped():
    report = [{"rule": "r1", "path": "a.py", "line": 2, "message": "m"}, {"rule": "r2", "path": "a.py", "line": 9}]
    found = findings_from_report("o/a", "c", report, lambda path: ["first", "    second  "])
    assert [(f.text, f.message) for f in found] == [("second", "m"), ("", "")]


def test_a_verdict_follows_its_line_when_the_line_moves():
    judged = finding(line=10, text="requests.get(url)")
    ledger = parse_ledger(verdict_row(judged, "wrong"))
    moved = finding(line=14, text="requests.get(url)")
    result = compare([moved], [moved], ledger, {"o/a"})
    assert [f.line for _, f in result.wrong_still_reported] == [14]
    assert result.unjudged == [] and [f for f, _ in result.judged] == [moved]


def test_a_changed_line_rule_or_path_is_a_different_finding():
    judged = finding(text="requests.get(url)")
    ledger = parse_ledger(verdict_row(judged, "wrong"))
    others = [
        finding(text="requests.get(other)"),
        finding(rule="r2", text="requests.get(url)"),
        finding(path="app/y.py", text="requests.get(url)"),
        finding(repo="o/b", text="requests.get(url)"),
    ]
    result = compare(others, others, ledger, {"o/a", "o/b"})
    assert result.wrong_still_reported == [] and result.unjudged == others


def test_right_verdicts_that_vanish_are_listed_only_for_repositories_that_ran():
    gone_here, gone_elsewhere = finding(text="a"), finding(repo="o/b", text="b")
    ledger = parse_ledger("\n".join(verdict_row(f, "right") for f in (gone_here, gone_elsewhere)))
    result = compare([], [], ledger, {"o/a"})
    assert [v.key for v in result.right_vanished] == [gone_here.key]


def test_the_last_verdict_for_a_key_counts():
    f = finding()
    ledger = parse_ledger(verdict_row(f, "wrong") + "\n" + verdict_row(f, "right", "re-read"))
    result = compare([f], [f], ledger, {"o/a"})
    assert result.wrong_still_reported == [] and result.judged[0][1].verdict == "right"


def test_precision_counts_right_over_right_and_wrong_only():
    fs = [finding(line=n, text=f"t{n}", rule="r1" if n < 4 else "r2") for n in range(6)]
    verdicts = ["right", "right", "wrong", "debatable", "debatable", "debatable"]
    ledger = parse_ledger("\n".join(verdict_row(f, v) for f, v in zip(fs, verdicts, strict=True)))
    table = precision_table(compare(fs, fs, ledger, {"o/a"}).judged)
    assert table["r1"] == {"right": 2, "wrong": 1, "debatable": 1}
    assert table["ALL"] == {"right": 2, "wrong": 1, "debatable": 3}
    assert precision(table["r1"]) == pytest.approx(2 / 3)
    assert precision(table["r2"]) is None


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("{", "not JSON"),
        (json.dumps({"repo": "o/a"}), "missing commit"),
        (ledger_line(finding(), "maybe", "x"), "verdict must be one of"),
        (ledger_line(finding(), "right", " "), "a verdict needs a reason"),
    ],
)
def test_a_bad_ledger_row_is_an_error_naming_its_line(row, message):
    with pytest.raises(LedgerError, match=f"line 2: {message}"):
        parse_ledger(ledger_line(finding(), "right", "ok") + "\n" + row)


def test_an_emitted_row_round_trips_once_judged():
    row = json.loads(ledger_line(finding(line=3, text='op.create_table("users")')))
    assert row["verdict"] == "" and row["text"] == 'op.create_table("users")'
    row.update(verdict="debatable", reason="legacy table")
    assert parse_ledger(json.dumps(row))[0].key == finding(text='op.create_table("users")').key


def test_excerpt_marks_the_finding_line():
    lines = [f"line {n}" for n in range(1, 11)]
    assert excerpt(lines, 2, around=1).splitlines() == ["  1 | line 1", "> 2 | line 2", "  3 | line 3"]


def test_the_manifest_pins_every_repository_to_a_full_commit():
    repos = load_manifest()
    assert len({r["name"] for r in repos}) == len(repos) >= 7
    assert all(len(r["commit"]) == 40 and int(r["commit"], 16) >= 0 for r in repos)
