"""Every fact test names the rule it backs, so a failing fact points at the record to correct."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import tests.facts


def test_every_fact_test_names_the_rule_it_backs():
    unnamed = []
    for module_info in pkgutil.iter_modules(tests.facts.__path__):
        if not module_info.name.startswith("test_") or module_info.name == __name__.rsplit(".", 1)[-1]:
            continue
        module = importlib.import_module(f"tests.facts.{module_info.name}")
        for name, test in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("test_") and not hasattr(test, "backs"):
                unnamed.append(f"{module_info.name}.{name}")
    assert unnamed == []
