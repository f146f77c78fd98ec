"""Checks are leaves of the import graph: no check module imports another, nor does anything outside the
checks (what several checks share lives in `validator/analysis/`)."""

from __future__ import annotations

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
