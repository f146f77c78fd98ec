"""Checks are laid out like the rules: a rule's check lives under `checks/<its category>/`, and checks are
leaves of the import graph: no check module imports another, nor does anything outside the checks (what
several checks share lives in `validator/analysis/`)."""

from __future__ import annotations

from pathlib import Path

import bp_rules
from bp_rules.scaffold import check_package
from bp_rules.schema.loader import load_pack
from bp_rules.validator.registry import FILE_CHECKS, PROJECT_CHECKS, load_builtin_checks
from tests.import_graph import import_graph

CHECKS = "bp_rules.validator.checks"


def _imports_of_checks(inside: bool) -> list[str]:
    """`importer -> check module` for importers inside the checks package (or outside it)."""
    found = []
    for module, imported in sorted(import_graph().items()):
        if module.startswith(f"{CHECKS}.") != inside or module == CHECKS:
            continue
        found += [f"{module} -> {name}" for name in sorted(imported) if name.startswith(f"{CHECKS}.")]
    return found


def test_no_check_module_imports_another():
    assert _imports_of_checks(inside=True) == []


def test_nothing_outside_the_checks_imports_a_check_module():
    assert _imports_of_checks(inside=False) == []


def test_each_check_lives_under_its_rule_category():
    load_builtin_checks()
    rules = load_pack().rules
    misplaced = []
    for table in (FILE_CHECKS, PROJECT_CHECKS):
        for rule_id, check in sorted(table.items()):
            home = f"{CHECKS}.{check_package(rules[rule_id].category)}."
            if not check.__module__.startswith(home):
                misplaced.append(f"{rule_id}: {check.__module__} (expected under {home})")
    assert misplaced == []


def test_check_modules_stay_small():
    """One module per rule or small family, about 300 lines at most, so that each reads in one sitting."""
    checks = Path(bp_rules.__file__).parent / "validator" / "checks"
    long = {str(p.relative_to(checks)): n for p in checks.rglob("*.py") if (n := len(p.read_text().splitlines())) > 320}
    assert long == {}
