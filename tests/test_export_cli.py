"""`bp-rules export` end to end on the test pack: --check, --dry-run, budgets, drift, and the drop-in files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bp_rules.agents import agents_md
from bp_rules.schema import loader
from tests.export_helpers import TEST_PACK, run_export


@pytest.fixture
def pack_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable copy of the test pack, loaded by the CLI in place of the built-in pack."""
    copy = tmp_path_factory.mktemp("pack") / "pack"
    shutil.copytree(TEST_PACK, copy)
    monkeypatch.setattr(loader, "builtin_rules_dir", lambda: copy)
    return copy


def test_check_after_export_is_clean(tmp_path: Path, pack_dir: Path) -> None:
    out = tmp_path / "out"
    result = run_export("--target", "all", "--out", str(out))
    assert result.exit_code == 0, result.output
    check = run_export("--target", "all", "--out", str(out), "--check")
    assert check.exit_code == 0, check.output
    assert check.stdout == ""


def test_record_change_makes_check_fail(tmp_path: Path, pack_dir: Path) -> None:
    out = tmp_path / "out"
    assert run_export("-t", "all", "--out", str(out)).exit_code == 0
    record = pack_dir / "async" / "async-demo-no-sleep.yaml"
    text = record.read_text().replace("yields to the loop", "gives the loop back")
    record.write_text(text.replace("await `asyncio.sleep` instead", "await `asyncio.sleep`"))
    check = run_export("-t", "all", "--out", str(out), "--check")
    assert check.exit_code == 1
    assert "-Fix: Use `await asyncio.sleep(...)`: it yields to the loop." in check.stdout  # the skill's reference
    assert "+Fix: Use `await asyncio.sleep(...)`: it gives the loop back." in check.stdout
    assert "--- a/AGENTS.md" in check.stdout
    assert "+Never call `time.sleep` in an `async def`; await `asyncio.sleep`.\n" in check.stdout


def test_check_fails_on_a_stale_file_that_export_would_delete(tmp_path: Path, pack_dir: Path) -> None:
    out = tmp_path / "out"
    assert run_export("-t", "cursor", "--out", str(out)).exit_code == 0
    (pack_dir / "async" / "async-demo-tests-client.yaml").unlink()
    check = run_export("-t", "cursor", "--out", str(out), "--check")
    assert check.exit_code == 1
    assert "--- a/.cursor/rules/fastapi-async-tests.mdc\n+++ /dev/null" in check.stdout
    assert run_export("-t", "cursor", "--out", str(out)).exit_code == 0
    assert not (out / ".cursor/rules/fastapi-async-tests.mdc").exists()


def test_user_content_outside_block_is_kept(tmp_path: Path, pack_dir: Path) -> None:
    out = tmp_path
    (out / "AGENTS.md").write_text("# Our project\n\nRun `make test`.\n")
    assert run_export("-t", "agents", "--out", str(out)).exit_code == 0
    text = (out / "AGENTS.md").read_text()
    assert text.startswith("# Our project\n\nRun `make test`.\n\n<!-- bp-rules:begin")
    (out / "AGENTS.md").write_text(text + "\n## Notes\nkeep me\n")
    assert run_export("-t", "agents", "--out", str(out), "--check").exit_code == 0
    assert (out / "AGENTS.md").read_text().endswith("<!-- bp-rules:end -->\n\n## Notes\nkeep me\n")


def test_idempotent_rerun_does_not_touch_mtime(tmp_path: Path, pack_dir: Path) -> None:
    assert run_export("-t", "all", "--out", str(tmp_path)).exit_code == 0
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    for path in files:
        os.utime(path, ns=(1_000, 1_000))
    again = run_export("-t", "all", "--out", str(tmp_path))
    assert again.exit_code == 0
    assert "0 file(s) changed" in again.stderr
    assert all(p.stat().st_mtime_ns == 1_000 for p in files)


def test_hand_written_file_blocks_export(tmp_path: Path, pack_dir: Path) -> None:
    mine = tmp_path / ".windsurf/rules/fastapi-async.md"
    mine.parent.mkdir(parents=True)
    mine.write_text("ours\n")
    result = run_export("-t", "windsurf", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "without the bp-rules header" in result.stderr
    assert mine.read_text() == "ours\n"
    assert not (tmp_path / ".windsurf/rules/fastapi-structure.md").exists()  # nothing written at all


def test_dry_run_writes_nothing(tmp_path: Path, pack_dir: Path) -> None:
    result = run_export("-t", "agents", "-t", "cursor", "--out", str(tmp_path), "--dry-run")
    assert result.exit_code == 0
    assert "would create AGENTS.md" in result.stdout
    assert "would create .cursor/rules/fastapi-async.mdc" in result.stdout
    assert list(tmp_path.iterdir()) == []


def test_cursor_pulls_in_the_skill(tmp_path: Path, pack_dir: Path) -> None:
    result = run_export("-t", "cursor", "--out", str(tmp_path))
    assert result.exit_code == 0
    assert (tmp_path / ".agents/skills/fastapi-best-practices/SKILL.md").exists()
    assert "also writing skill" in result.stderr


def test_an_old_export_is_replaced(tmp_path: Path, pack_dir: Path) -> None:
    """Files of the earlier naming (`bp-<category>`) that carry the header are deleted, not left behind."""
    from bp_rules.agents.writer import with_provenance

    old = tmp_path / ".cursor/rules/bp-async-2.mdc"
    old.parent.mkdir(parents=True)
    old.write_text(with_provenance("", "# Async\n"))
    assert run_export("-t", "cursor", "--out", str(tmp_path)).exit_code == 0
    assert not old.exists()
    assert (tmp_path / ".cursor/rules/fastapi-async.mdc").exists()


def test_budget_warns_and_strict_fails(tmp_path: Path, pack_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from bp_rules import agents

    tiny = replace(agents_md.BUDGET, limit=100)
    monkeypatch.setitem(agents.TARGETS, "agents", replace(agents.TARGETS["agents"], budgets=(tiny,)))
    warned = run_export("-t", "agents", "--out", str(tmp_path), "--dry-run")
    assert warned.exit_code == 0
    assert "warning: AGENTS.md:" in warned.stderr and "over the 100 bytes budget" in warned.stderr
    strict = run_export("-t", "agents", "--out", str(tmp_path), "--budget", "strict")
    assert strict.exit_code == 1
    assert "error: AGENTS.md:" in strict.stderr
    assert not (tmp_path / "AGENTS.md").exists()


def test_unknown_select_is_a_usage_error(tmp_path: Path, pack_dir: Path) -> None:
    result = run_export("-t", "agents", "--out", str(tmp_path), "--select", "no-such-rule")
    assert result.exit_code == 2
    assert "--select: unknown rule id or category 'no-such-rule'" in result.output


def test_select_by_category_and_comma_list(tmp_path: Path, pack_dir: Path) -> None:
    assert (
        run_export("-t", "agents", "--out", str(tmp_path), "--select", "structure,async-demo-no-sleep").exit_code == 0
    )
    text = (tmp_path / "AGENTS.md").read_text()
    assert "### `structure-demo-src-root`" in text and "### `async-demo-no-sleep`" in text
    assert "### `async-demo-tests-client`" not in text


GENERATED = Path(__file__).resolve().parents[1] / "generated"


def test_generated_drop_in_files_match_the_records() -> None:
    """generated/ is what `bp-rules export --target all --out generated` writes for the built-in pack."""
    from bp_rules.cli import main

    assert GENERATED.is_dir(), "run: bp-rules export --target all --out generated"
    assert main(["export", "--target", "all", "--out", str(GENERATED), "--check"]) == 0, (
        "generated/ drifted from the rule records; run: bp-rules export --target all --out generated"
    )


def test_check_and_dry_run_together_are_a_usage_error(tmp_path: Path, pack_dir: Path) -> None:
    result = run_export("-t", "agents", "--out", str(tmp_path), "--check", "--dry-run")
    assert result.exit_code == 2
    assert "--check and --dry-run exclude each other" in result.output


def test_a_selection_that_leaves_no_rule_writes_nothing(tmp_path: Path, pack_dir: Path) -> None:
    result = run_export("-t", "agents", "--out", str(tmp_path), "--select", "async", "--ignore", "async")
    assert result.exit_code == 2
    assert "leaves no rule" in result.output
    assert not (tmp_path / "AGENTS.md").exists()


def test_unknown_name_suggests_the_close_one(tmp_path: Path, pack_dir: Path) -> None:
    result = run_export("-t", "agents", "--out", str(tmp_path), "--select", "asynk")
    assert result.exit_code == 2
    assert "'asynk' (did you mean 'async'?)" in result.output


def _settings(out: Path, body: str, tool: str = "") -> None:
    out.mkdir(parents=True, exist_ok=True)
    text = f'[project]\nname = "x"\n\n[tool.bp-rules]\n{tool}\n[tool.bp-rules.export]\n{body}'
    (out / "pyproject.toml").write_text(text, encoding="utf-8")


def test_export_and_check_read_the_targets_of_the_project(tmp_path: Path, pack_dir: Path) -> None:
    out = tmp_path / "out"
    _settings(out, 'targets = ["agents"]\n')
    assert run_export("--out", str(out)).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["AGENTS.md", "pyproject.toml"]
    check = run_export("--out", str(out), "--check")
    assert check.exit_code == 0, check.output
    assert "1 file(s) up to date" in check.output
    assert run_export("--out", str(out), "--check", "-t", "all").exit_code == 1  # a flag overrides the setting


def test_export_follows_the_project_selection_and_detail(tmp_path: Path, pack_dir: Path) -> None:
    out = tmp_path / "out"
    _settings(out, 'targets = ["agents"]\ndetail = "full"\n', tool='select = ["structure"]\n')
    assert run_export("--out", str(out)).exit_code == 0
    text = (out / "AGENTS.md").read_text(encoding="utf-8")
    assert "### `structure-demo-src-root`" in text and "### `async-demo-no-sleep`" not in text  # full detail
    assert run_export("--out", str(out), "--check").exit_code == 0


@pytest.mark.parametrize(
    ("body", "tool", "message"),
    [
        ("", "", "name a --target, or list targets in [tool.bp-rules.export] targets"),
        ('targets = ["agent"]\n', "", "[tool.bp-rules.export] targets: unknown target agent"),
        (
            'targets = ["agents"]\n',
            'select = ["asynk"]\n',
            "[tool.bp-rules] select: unknown rule id or category 'asynk'",
        ),
        ('targets = ["agents"]\n', 'ignore = ["nope"]\n', "[tool.bp-rules] ignore: unknown rule id or category 'nope'"),
        ('targets = ["agents"]\ndetail = "short"\n', "", "[tool.bp-rules.export] detail: expected one of"),
    ],
)
def test_bad_export_settings_are_usage_errors(
    tmp_path: Path, pack_dir: Path, body: str, tool: str, message: str
) -> None:
    _settings(tmp_path, body, tool)
    result = run_export("--out", str(tmp_path))
    assert result.exit_code == 2
    assert message in result.output
