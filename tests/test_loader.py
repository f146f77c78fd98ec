"""Loading rule records: every problem is reported with file, line, field and reason."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bp_rules.cli import main
from bp_rules.schema.loader import PackError, load_dir, load_pack

GOOD = """\
id: demo-no-sleep
title: No sleep in demos
category: demo
severity: warning
summary: Never call time.sleep in a demo.
rationale: A sleeping demo blocks the event loop and the audience.
source: ["Demo guide"]
origin: explicit
scope: code
examples:
  dont:
    - code: |
        import time
        time.sleep(1)
      lines: [2]
  do:
    - code: |
        import asyncio
check:
  kind: call
  calls: [time.sleep]
  message: "`{call}` blocks; use asyncio.sleep"
fix: Use `await asyncio.sleep(...)`.
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def errors_for(tmp_path: Path, text: str, name: str = "demo/demo-no-sleep.yaml") -> list[str]:
    write(tmp_path, name, text)
    _, _, _, errors = load_dir(tmp_path)
    return [str(e) for e in errors]


def test_a_good_record_loads(tmp_path):
    write(tmp_path, "demo/demo-no-sleep.yaml", GOOD)
    rules, _, _, errors = load_dir(tmp_path)
    assert errors == []
    assert rules["demo-no-sleep"].check.kind == "call"


def test_malformed_yaml_names_file_and_line(tmp_path):
    broken = GOOD.replace("title: No sleep in demos", "title: No: sleep: [in demos")
    (error,) = errors_for(tmp_path, broken)
    assert error.startswith("demo/demo-no-sleep.yaml:2:") or ":2: malformed YAML" in error
    assert "malformed YAML" in error


def test_unknown_field_is_named_with_its_line(tmp_path):
    (error,) = errors_for(tmp_path, GOOD.replace("origin: explicit", "origin: explicit\nauthor: me"))
    assert error.endswith(":9: author: unknown field")


def test_wrong_type_names_the_field_path(tmp_path):
    (error,) = errors_for(tmp_path, GOOD.replace("lines: [2]", "lines: two"))
    assert ":15: examples.dont[0].lines:" in error
    assert "array" in error


def test_bad_enum_lists_the_allowed_values(tmp_path):
    (error,) = errors_for(tmp_path, GOOD.replace("severity: warning", "severity: fatal"))
    assert ":4: severity: 'fatal' is not one of error, warning, info" in error


def test_missing_required_field(tmp_path):
    (error,) = errors_for(tmp_path, GOOD.replace("fix: Use `await asyncio.sleep(...)`.\n", ""))
    assert ":1: " in error and "'fix' is a required property" in error


def test_id_must_match_the_file_name(tmp_path):
    (error,) = errors_for(tmp_path, GOOD, name="demo/demo-other.yaml")
    assert error.endswith("demo/demo-other.yaml:1: id: 'demo-no-sleep' does not match the file name")


def test_category_must_be_the_id_prefix(tmp_path):
    (error,) = errors_for(tmp_path, GOOD.replace("category: demo", "category: async"))
    assert ":3: category: must be the first segment of the id" in error


def test_example_that_is_not_python_points_into_the_code(tmp_path):
    (error,) = errors_for(tmp_path, GOOD.replace("time.sleep(1)", "time.sleep(1"))
    assert "examples.dont[0].code: not valid Python" in error
    line = int(error.split(":")[1])
    assert line in (14, 15)  # the line of the broken call inside the block scalar


def test_marked_line_past_the_end(tmp_path):
    (error,) = errors_for(tmp_path, GOOD.replace("lines: [2]", "lines: [9]"))
    assert ":15: examples.dont[0].lines: line 9 is past the end of the code (2 lines)" in error


def test_duplicate_key(tmp_path):
    errors = errors_for(tmp_path, GOOD.replace("scope: code", "scope: code\nscope: project"))
    assert any(e.endswith(":10: scope: duplicate key") for e in errors)


def test_duplicate_ids_across_files(tmp_path):
    write(tmp_path, "demo/demo-no-sleep.yaml", GOOD)
    write(tmp_path, "more/demo-no-sleep.yaml", GOOD)
    _, _, _, errors = load_dir(tmp_path)
    messages = [str(e) for e in errors]
    assert any("duplicate id 'demo-no-sleep'" in m for m in messages)


def test_example_with_both_code_and_files(tmp_path):
    broken = GOOD.replace(
        "    - code: |\n        import asyncio\n", "    - code: x = 1\n      files: [{path: a.py, code: y = 2}]\n"
    )
    errors = errors_for(tmp_path, broken)
    assert errors and all("examples.do[0]" in e for e in errors)


def test_yaml_tags_that_build_objects_are_refused(tmp_path):
    broken = GOOD.replace("title: No sleep in demos", "title: !!python/object/apply:os.system ['true']")
    (error,) = errors_for(tmp_path, broken)
    assert "malformed YAML" in error


def test_user_pack_overrides_a_builtin_id(tmp_path):
    builtin = load_pack().rules["deps-annotated"]
    text = GOOD.replace("demo-no-sleep", "deps-annotated").replace("category: demo", "category: deps")
    write(tmp_path, "deps/deps-annotated.yaml", text)
    pack = load_pack([tmp_path])
    assert pack.rules["deps-annotated"].title == "No sleep in demos" != builtin.title
    assert len(pack.rules) == len(load_pack().rules)


def test_load_pack_raises_with_every_error(tmp_path):
    write(tmp_path, "demo/demo-no-sleep.yaml", GOOD.replace("severity: warning", "severity: fatal"))
    write(tmp_path, "demo/demo-two.yaml", GOOD.replace("origin: explicit", "origin: maybe"))
    with pytest.raises(PackError) as info:
        load_pack([tmp_path], builtin=False)
    assert len(info.value.errors) == 3  # bad severity; bad origin; id/file mismatch of demo-two


def test_rules_validate_command_lists_every_problem(tmp_path, capsys):
    write(tmp_path, "demo/demo-no-sleep.yaml", GOOD.replace("severity: warning", "severity: fatal"))
    write(tmp_path, "demo/demo-broken.yaml", "id: [unclosed\n")
    assert main(["rules", "validate", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "demo-no-sleep.yaml:4: severity:" in out
    assert "demo-broken.yaml:" in out and "malformed YAML" in out


def test_rules_validate_builtin_pack_is_clean(capsys):
    assert main(["rules", "validate"]) == 0


def test_rules_validate_runs_the_examples_of_a_custom_pack(tmp_path, capsys):
    # the Don't marks line 1, but time.sleep is on line 2; the Do example calls time.sleep too
    wrong = GOOD.replace("lines: [2]", "lines: [1]").replace(
        "        import asyncio\n", "        import time\n        time.sleep(2)\n"
    )
    write(tmp_path, "demo/demo-no-sleep.yaml", wrong)
    assert main(["rules", "validate", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert (
        "examples.dont[0]: the Don't example should fire demo-no-sleep at example.py:1; it fires at example.py:2" in out
    )
    assert (
        "examples.do[0]: the Do example should be clean under every rule of its pack; "
        "it fires demo-no-sleep at example.py:2" in out
    )


def test_rules_validate_a_good_custom_pack_runs_its_examples_and_passes(tmp_path, capsys):
    write(tmp_path, "demo/demo-no-sleep.yaml", GOOD)
    assert main(["rules", "validate", str(tmp_path)]) == 0
    assert "1 record(s) valid; their examples fire as marked." in capsys.readouterr().err


def test_rules_validate_a_missing_directory_is_a_usage_error(tmp_path, capsys):
    assert main(["rules", "validate", str(tmp_path / "nonexist")]) == 2
    assert "no such directory" in capsys.readouterr().err


def test_rules_validate_an_empty_directory_fails(tmp_path, capsys):
    assert main(["rules", "validate", str(tmp_path)]) == 1
    assert "no rule records (*.yaml) in this directory" in capsys.readouterr().out
