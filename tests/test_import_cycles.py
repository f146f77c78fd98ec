"""The package's modules import each other without cycles (the graph: tests/import_graph.py)."""

from __future__ import annotations

from tests.import_graph import cycles, import_graph


def test_the_package_has_no_import_cycle():
    found = [" -> ".join(cycle) for cycle in cycles(import_graph())]
    assert not found, "import cycles:\n" + "\n".join(found)


def test_a_cycle_is_found_and_named(tmp_path):
    package = tmp_path / "bp_rules"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text("from bp_rules.sub import b\n")
    (package / "sub" / "b.py").write_text("def f():\n    from .c import x\n")
    (package / "sub" / "c.py").write_text("LAZY = {'go': 'bp_rules.a:main'}\n")
    (package / "d.py").write_text("import bp_rules.a\nLOG = 'bp_rules.nothing'\n")
    graph = import_graph(package)
    assert graph["bp_rules.d"] == {"bp_rules.a"}
    assert cycles(graph) == [["bp_rules.a", "bp_rules.sub.b", "bp_rules.sub.c", "bp_rules.a"]]


def test_type_checking_imports_count(tmp_path):
    package = tmp_path / "bp_rules"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from bp_rules import b\n")
    (package / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bp_rules.a import A\n")
    assert cycles(import_graph(package)) == [["bp_rules.a", "bp_rules.b", "bp_rules.a"]]
