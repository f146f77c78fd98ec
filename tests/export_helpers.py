"""Shared helpers of the export tests: the small fixed test pack and running `bp-rules export` on it."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from bp_rules.agents import TARGETS
from bp_rules.agents.command import collect, export
from bp_rules.agents.content import Options
from bp_rules.agents.writer import apply, plan
from bp_rules.schema.loader import Pack, load_pack

FIXTURES = Path(__file__).parent / "fixtures"
TEST_PACK = FIXTURES / "pack"
GOLDEN = FIXTURES / "golden"
REGENERATE_ENV = "BP_RULES_REGENERATE_GOLDEN"


def load_test_pack() -> Pack:
    return load_pack([TEST_PACK], builtin=False)


def export_to(out: Path, target: str, pack: Pack | None = None, options: Options | None = None) -> None:
    """Export one target of the test pack into `out`, through the real planner and writer."""
    from bp_rules.agents import resolve

    targets = resolve([target])
    outputs, owned = collect(targets, options or Options(), pack or load_test_pack())
    apply(out, [c for c in plan(out, outputs, owned) if c.action != "unchanged"])


def tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*")) if p.is_file()
    }


def run_export(*args: str) -> Result:
    return CliRunner().invoke(export, list(args), catch_exceptions=False)


__all__ = ["GOLDEN", "REGENERATE_ENV", "TARGETS", "TEST_PACK", "export_to", "run_export", "tree"]
