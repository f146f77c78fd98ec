"""The writer: managed blocks, ownership, idempotence, atomic writes, paths kept inside --out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bp_rules.agents import writer
from bp_rules.agents.writer import (
    BEGIN_PREFIX,
    END_PREFIX,
    ExportError,
    Output,
    atomic_write,
    block_body,
    find_block,
    merge_block,
    plan,
    safe_path,
    with_provenance,
)

# --- managed blocks ------------------------------------------------------------------------------------

user_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=200).filter(
    lambda t: BEGIN_PREFIX not in t and END_PREFIX not in t
)
body_text = st.text(st.characters(codec="utf-8"), min_size=1, max_size=200).filter(
    lambda t: BEGIN_PREFIX not in t and END_PREFIX not in t and "\r" not in t
)


def outside(text: str) -> tuple[str, str]:
    start, end = find_block(text)
    return text[:start], text[end:]


@settings(max_examples=200, deadline=None)
@given(prefix=user_text, suffix=user_text, bodies=st.lists(body_text, min_size=1, max_size=5))
def test_user_content_survives_any_sequence_of_exports(prefix: str, suffix: str, bodies: list[str]) -> None:
    text = merge_block(prefix or None, bodies[0])
    before, after = outside(text)
    assert before.startswith(prefix) and after == ""
    # the user then writes below the block too
    text = text + suffix
    before, after = outside(text)
    for body in bodies[1:]:
        text = merge_block(text, body)
        assert outside(text) == (before, after)
        assert block_body(text) == body.rstrip("\n") + "\n"
    assert merge_block(text, bodies[-1]) == text  # idempotent


def test_block_appended_to_file_without_markers() -> None:
    assert merge_block("# Mine\n", "generated\n") == "# Mine\n\n" + writer.block("generated\n")
    assert merge_block("# Mine", "x").startswith("# Mine\n\n" + BEGIN_PREFIX)


def test_broken_markers_are_an_error() -> None:
    text = merge_block("top\n", "x") + writer.BEGIN + "\n"
    with pytest.raises(ValueError, match="markers"):
        merge_block(text, "y")


# --- planning: ownership, stale files, paths -----------------------------------------------------------


def owned(text: str) -> Output:
    return Output(with_provenance("", text), managed=False)


def test_hand_written_file_in_directory_target_is_not_overwritten(tmp_path: Path) -> None:
    mine = tmp_path / ".cursor/rules/bp-async.mdc"
    mine.parent.mkdir(parents=True)
    mine.write_text("my own rule\n")
    with pytest.raises(ExportError, match="without the bp-rules header"):
        plan(tmp_path, {".cursor/rules/bp-async.mdc": owned("x")}, [(".cursor/rules", "bp-*.mdc")])
    assert mine.read_text() == "my own rule\n"


def test_stale_owned_files_are_deleted_but_not_foreign_ones(tmp_path: Path) -> None:
    rules = tmp_path / ".cursor/rules"
    rules.mkdir(parents=True)
    (rules / "bp-old.mdc").write_text(with_provenance("", "old"))
    (rules / "bp-mine.mdc").write_text("hand-written, no header\n")
    changes = plan(tmp_path, {".cursor/rules/bp-new.mdc": owned("new")}, [(".cursor/rules", "bp-*.mdc")])
    assert {(c.path, c.action) for c in changes} == {
        (".cursor/rules/bp-new.mdc", "create"),
        (".cursor/rules/bp-old.mdc", "delete"),
    }
    writer.apply(tmp_path, changes)
    assert not (rules / "bp-old.mdc").exists()
    assert (rules / "bp-mine.mdc").read_text() == "hand-written, no header\n"


@pytest.mark.parametrize("bad", ["../x.md", "/etc/x.md", "a/../../x.md", ""])
def test_paths_outside_out_are_rejected(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ExportError, match="escapes"):
        safe_path(tmp_path, bad)


def test_symlinks_are_rejected(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / ".cursor").symlink_to(elsewhere)
    with pytest.raises(ExportError, match="symlink"):
        plan(out, {".cursor/rules/bp-a.mdc": owned("x")}, [])
    (out / "AGENTS.md").symlink_to(elsewhere / "AGENTS.md")
    with pytest.raises(ExportError, match="symlink"):
        plan(out, {"AGENTS.md": Output("x", managed=True)}, [])
    assert list(elsewhere.iterdir()) == []


# --- writing -------------------------------------------------------------------------------------------


def test_atomic_write_leaves_no_temp_file_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "AGENTS.md"
    target.write_text("original\n")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, "new\n")
    assert target.read_text() == "original\n"
    assert [p.name for p in tmp_path.iterdir()] == ["AGENTS.md"]


def test_atomic_write_keeps_mode(tmp_path: Path) -> None:
    target = tmp_path / "AGENTS.md"
    target.write_text("x")
    target.chmod(0o640)
    atomic_write(target, "y")
    assert target.stat().st_mode & 0o777 == 0o640
    assert target.read_text() == "y"


def test_unchanged_files_are_not_rewritten(tmp_path: Path) -> None:
    outputs = {"AGENTS.md": Output("body\n", managed=True), "d/bp-a.md": owned("a")}
    writer.apply(tmp_path, plan(tmp_path, outputs, [("d", "bp-*.md")]))
    stamps = {p: (tmp_path / p).stat().st_mtime_ns for p in outputs}
    os.utime(tmp_path / "AGENTS.md", ns=(1, 1))
    os.utime(tmp_path / "d/bp-a.md", ns=(1, 1))
    changes = plan(tmp_path, outputs, [("d", "bp-*.md")])
    assert all(c.action == "unchanged" for c in changes)
    writer.apply(tmp_path, [c for c in changes if c.action != "unchanged"])
    assert (tmp_path / "AGENTS.md").stat().st_mtime_ns == 1
    assert stamps  # first export did write
