"""Do examples that work on the versions the matrix names.

Every Do example parses on the matrix's minimum Python; every name it imports from a library exists, checked
by importing it, at the tested-with versions (this environment, installed by the test extra) and at the
minimums (a second environment, see `tests/example_imports.py`); the files of one example agree with each
other. The test extra pins exactly the matrix's tested-with versions, which is checked here too.
"""

from __future__ import annotations

import ast
import sys
from importlib import metadata
from importlib.util import find_spec

import pytest

from bp_rules.schema.loader import load_pack
from tests.example_consistency import problems
from tests.example_imports import (
    FIRST_PARTY,
    UNPINNED,
    Imported,
    absolute_imports,
    do_python_files,
    import_name,
    minimum_interpreter,
    minimum_pins,
    minimums_environment,
    missing_names,
    own_modules,
    top,
)

PACK = load_pack()
MINIMUM_PYTHON = tuple(int(part) for part in PACK.matrix.pinned("python").minimum.split("."))
PINNED = {import_name(p.package): p for p in PACK.matrix.packages if p.package != "python"}


def _imports() -> list[Imported]:
    out = []
    for rule_id, i, example, path, code in do_python_files(PACK):
        own = own_modules(example) | FIRST_PARTY
        tree = ast.parse(code)
        out.extend(imp for imp in absolute_imports(tree, f"{rule_id} do[{i}] {path}") if top(imp.module) not in own)
    return out


IMPORTS = _imports()


def _names(imports: list[Imported]) -> set[tuple[str, str]]:
    return {(imp.module, imp.name) for imp in imports}


def _where(missing: list[list[str]], imports: list[Imported]) -> list[str]:
    return [
        f"{imp.where}: {module}{':' + name if name else ''} ({error})"
        for module, name, error in missing
        for imp in imports
        if (imp.module, imp.name) == (module, name)
    ]


@pytest.mark.parametrize(
    ("rule_id", "path", "code"),
    [pytest.param(r, p, c, id=f"{r}-do{i}-{p}") for r, i, _e, p, c in do_python_files(PACK)],
)
def test_do_example_parses_on_the_minimum_python(rule_id, path, code):
    ast.parse(code, filename=path, feature_version=MINIMUM_PYTHON)


def test_every_library_a_do_example_imports_is_pinned_by_the_matrix_or_declared_unpinned():
    libraries = {top(imp.module) for imp in IMPORTS if top(imp.module) not in sys.stdlib_module_names}
    unknown = libraries - set(PINNED) - UNPINNED
    assert unknown == set(), "pin them in the matrix, or list them in UNPINNED in tests/example_imports.py"


def test_the_test_extra_installs_the_matrix_tested_with_versions():
    installed = {p.package: metadata.version(p.package) for p in PACK.matrix.packages if p.package != "python"}
    assert installed == {p.package: p.tested_with for p in PACK.matrix.packages if p.package != "python"}


def test_every_library_name_a_do_example_imports_exists_at_tested_with():
    """Pinned libraries, and the unpinned ones the test extra happens to install (pytest, bcrypt)."""
    here = [
        imp
        for imp in IMPORTS
        if top(imp.module) in PINNED or (top(imp.module) in UNPINNED and find_spec(top(imp.module)))
    ]
    assert _where(missing_names(sys.executable, _names(here)), here) == []


@pytest.mark.skipif(
    minimum_interpreter(minimum_pins(PACK)[0]) is None,
    reason="the matrix's minimum Python is not installed here",
)
def test_every_name_a_do_example_imports_exists_at_the_minimums():
    """Pinned libraries at their minimum versions, and the standard library of the minimum Python."""
    checked = [imp for imp in IMPORTS if top(imp.module) in PINNED or top(imp.module) in sys.stdlib_module_names]
    python = minimums_environment(PACK)
    assert _where(missing_names(python, _names(checked)), checked) == []


@pytest.mark.parametrize(
    ("rule", "example"),
    [
        pytest.param(rule, example, id=f"{rule.id}-do{i}")
        for rule in PACK.sorted_rules()
        for i, example in enumerate(rule.examples.do)
        if len(example.as_files()) > 1
    ],
)
def test_multi_file_do_example_is_consistent(rule, example):
    assert problems(example) == []
