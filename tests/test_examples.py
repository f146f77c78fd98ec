"""The spine of the suite: every rule's Don't examples fire at the marked lines, every Do example is clean.

The examples live in the rule records (YAML); they are also what the exporters show to coding agents.
"""

from __future__ import annotations

import pytest

from bp_rules.schema.loader import load_pack
from bp_rules.schema.models import Example, Rule
from tests.conftest import verify_tree, write_tree

PACK = load_pack()
CHECKED = [r for r in PACK.sorted_rules() if r.checked]


def _cases(kind: str, rules: list[Rule]):
    for rule in rules:
        for i, example in enumerate(getattr(rule.examples, kind)):
            yield pytest.param(rule, example, id=f"{rule.id}-{kind}-{i}")


def _run(tmp_path, example: Example, select: tuple[str, ...] = ()):
    write_tree(tmp_path, {f.path: f.code for f in example.as_files()})
    return verify_tree(tmp_path, PACK, select=select)


@pytest.mark.parametrize(("rule", "example"), list(_cases("dont", CHECKED)))
def test_dont_example_fires_at_marked_lines(tmp_path, rule: Rule, example: Example):
    findings = _run(tmp_path, example, select=(rule.id,))
    expected = {(f.path, line) for f in example.as_files() for line in f.lines}
    got = {(f.path, f.line) for f in findings if f.rule == rule.id}
    assert got == expected, f"{rule.id}: expected findings at {sorted(expected)}, got {sorted(got)}"


@pytest.mark.parametrize(("rule", "example"), list(_cases("do", CHECKED)))
def test_do_example_is_clean_for_its_rule(tmp_path, rule: Rule, example: Example):
    findings = _run(tmp_path, example, select=(rule.id,))
    assert [f for f in findings if f.rule == rule.id] == []


@pytest.mark.parametrize(("rule", "example"), list(_cases("do", PACK.sorted_rules())))
def test_do_example_breaks_no_rule_of_the_pack(tmp_path, rule: Rule, example: Example):
    findings = _run(tmp_path, example)
    assert [(f.rule, f.path, f.line, f.message) for f in findings] == []
