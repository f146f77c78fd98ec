"""Edits: derived from two texts, applied back, combined, and the lines they move."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bp_rules.fixes.edits import Edit, apply_edits, compatible, edits_between, shift_lines

lines = st.lists(st.sampled_from(["a\n", "b\n", "cc\n", "\n", "x = 1\n", "def f():\n", "    pass\n"]), max_size=8)


@given(lines, lines)
def test_edits_between_two_texts_turn_one_into_the_other(before, after):
    old, new = "".join(before), "".join(after)
    assert apply_edits(old, edits_between(old, new)) == new


def test_an_edit_is_as_small_as_the_change():
    (edit,) = edits_between("x = a.dict()\n", "x = a.model_dump()\n")
    assert edit == Edit(1, 7, 1, 11, "model_dump")


def test_identical_edits_are_shared_and_overlapping_fixes_wait():
    import_line = Edit(1, 1, 1, 1, "import typing\n")
    first = (import_line, Edit(3, 1, 3, 4, "new"))
    second = (import_line, Edit(4, 1, 4, 2, "y"))
    third = (Edit(3, 2, 3, 3, "z"),)
    taken, edits = compatible([("first", first), ("second", second), ("third", third)])
    assert taken == ["first", "second"]
    assert edits == {import_line, first[1], second[1]}


def test_lines_move_with_the_edits_and_edited_lines_count_as_touched():
    edits = [Edit(1, 1, 1, 1, "import typing\n\n"), Edit(5, 3, 5, 6, "x\ny")]
    assert shift_lines({3, 5, 9}, edits) == {5, 7, 8, 12}
