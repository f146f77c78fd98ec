"""The examples prove the fixes: each Don't example of a rule with an autofix is fixed into exactly its `fixed`
code, which parses, breaks no rule of the pack, and does not change when fixed again."""

from __future__ import annotations

import ast

import pytest

from bp_rules.fixes.rewrite import load_codemods
from bp_rules.fixes.session import fix_project, write_fixed
from bp_rules.schema.loader import load_pack
from bp_rules.schema.models import Autofix, Example, Rule
from bp_rules.validator.config import Config
from bp_rules.validator.files import collect
from tests.conftest import verify_tree, write_tree

PACK = load_pack()
FIXABLE = [r for r in PACK.sorted_rules() if r.autofix is not Autofix.none]


def _fix(root, rule_id: str):
    config = Config(root=root.resolve(), select=(rule_id,))
    return fix_project(PACK, config, collect([root], config), unsafe=True, jobs=1, use_cache=False)


@pytest.mark.parametrize(
    ("rule", "example"),
    [pytest.param(r, e, id=f"{r.id}-dont-{i}") for r in FIXABLE for i, e in enumerate(r.examples.dont)],
)
def test_fix_turns_the_dont_example_into_its_fixed_code(tmp_path, rule: Rule, example: Example):
    files = example.as_files()
    write_tree(tmp_path, {f.path: f.code for f in files})
    outcome = _fix(tmp_path, rule.id)
    for f in files:
        got = outcome.fixed.get(f.path, f.code)
        assert got == (f.fixed if f.fixed is not None else f.code), f"{rule.id}: {f.path} fixed differently"
        ast.parse(got)
    assert outcome.applied[rule.id] >= 1
    written, skipped = write_fixed(tmp_path, outcome)
    assert sorted(written) == sorted(outcome.fixed) and skipped == []
    findings = verify_tree(tmp_path, PACK)
    assert [(f.rule, f.path, f.line, f.message) for f in findings] == []
    assert _fix(tmp_path, rule.id).fixed == {}


def test_every_rule_with_an_autofix_has_a_codemod_and_the_other_way_round():
    codemods = set(load_codemods())
    assert {r.id for r in FIXABLE} == codemods
