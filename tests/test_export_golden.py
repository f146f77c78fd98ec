"""Golden files: every target rendered from the small test pack, byte for byte.

Regenerate after an intended change with `BP_RULES_REGENERATE_GOLDEN=1 pytest tests/test_export_golden.py`
and review the diff.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bp_rules.agents import TARGETS
from tests.export_helpers import GOLDEN, REGENERATE_ENV, export_to, tree


@pytest.mark.parametrize("target", list(TARGETS))
def test_golden(target: str, tmp_path: Path) -> None:
    export_to(tmp_path, target)
    golden = GOLDEN / target
    if os.environ.get(REGENERATE_ENV):
        shutil.rmtree(golden, ignore_errors=True)
        shutil.copytree(tmp_path, golden)
    assert golden.is_dir(), f"no golden files for {target}; run with {REGENERATE_ENV}=1"
    assert tree(tmp_path) == tree(golden)


def test_render_is_deterministic() -> None:
    from bp_rules.agents.content import select
    from tests.export_helpers import load_test_pack

    first = {name: t.render(select(load_test_pack())) for name, t in TARGETS.items()}
    second = {name: t.render(select(load_test_pack())) for name, t in TARGETS.items()}
    assert first == second
