"""The format pitfalls users hit with other tools, one test each, on the test pack's real output."""

from __future__ import annotations

import re

import pytest
import yaml

from bp_rules.agents import TARGETS, claude, cline, copilot, cursor, kiro, windsurf
from bp_rules.agents import frontmatter as fm
from bp_rules.agents.content import Options, select
from bp_rules.agents.writer import PROVENANCE_PREFIX, has_provenance
from tests.export_helpers import load_test_pack


@pytest.fixture(scope="module")
def selection():
    return select(load_test_pack())


def owned_files(target: str, selection) -> dict[str, str]:
    t = TARGETS[target]
    return {p: text for p, text in t.render(selection).items() if p not in t.managed}


# --- Cursor ----------------------------------------------------------------------------------------------


TESTS = "**/tests/**/*.py,**/test_*.py,**/conftest.py"  # the test pack's tests rule, in any layout


def test_cursor_globs_unquoted_comma_separated(selection) -> None:
    files = owned_files("cursor", selection)
    assert f"\nglobs: {TESTS}\n" in files[".cursor/rules/fastapi-async-tests.mdc"]
    assert "\nglobs: **/router.py,**/routes.py," in files[".cursor/rules/fastapi-async.mdc"]
    for text in files.values():
        for line in text.splitlines():
            if line.startswith("globs:"):
                assert '"' not in line and "'" not in line and ", " not in line


def test_cursor_core_is_always_applied_without_globs(selection) -> None:
    text = owned_files("cursor", selection)[".cursor/rules/fastapi-core.mdc"]
    head = text.split("\n---\n", 1)[0]
    assert "alwaysApply: true" in head
    assert "globs" not in head


def test_cursor_structure_is_agent_requested(selection) -> None:
    parsed = cursor.parse_frontmatter(owned_files("cursor", selection)[".cursor/rules/fastapi-structure.mdc"])
    assert parsed["alwaysApply"] is False and parsed["globs"] == []
    assert "before creating a module" in str(parsed["description"])


def test_cursor_frontmatter_key_order_and_parse(selection) -> None:
    for path, text in owned_files("cursor", selection).items():
        if not path.startswith(cursor.DIR):
            continue
        assert text.startswith("---\ndescription: ")
        keys = [line.split(":", 1)[0] for line in text[4:].split("\n---\n", 1)[0].splitlines()]
        assert keys in (["description", "globs", "alwaysApply"], ["description", "alwaysApply"])
        parsed = cursor.parse_frontmatter(text)
        assert isinstance(parsed["alwaysApply"], bool)
        assert parsed["description"]


@pytest.mark.parametrize(
    "description",
    ["plain words", "has: a colon", 'quotes "inside"', "# starts with a hash", "ends with colon:", "back\\slash"],
)
def test_cursor_serializer_round_trips_descriptions(description: str) -> None:
    text = cursor.frontmatter(description, ["src/**/*.py", "*.toml"], always=False)
    assert cursor.parse_frontmatter(text + "body")["description"] == description
    assert cursor.parse_frontmatter(text + "body")["globs"] == ["src/**/*.py", "*.toml"]


def test_cursor_serializer_rejects_globs_it_cannot_write() -> None:
    with pytest.raises(ValueError):
        cursor.frontmatter("x", ["a b/*.py"], always=False)


def test_cursor_uses_mdc_suffix(selection) -> None:
    assert all(p.endswith(".mdc") for p in owned_files("cursor", selection))


# --- Copilot ---------------------------------------------------------------------------------------------


def test_copilot_instructions_suffix(selection) -> None:
    files = [p for p in owned_files("copilot", selection) if p.startswith(copilot.DIR)]
    assert files
    assert all(re.fullmatch(r"\.github/instructions/fastapi-[a-z0-9-]+\.instructions\.md", p) for p in files)


def test_copilot_apply_to_comma_joined_no_spaces(selection) -> None:
    files = {p: t for p, t in owned_files("copilot", selection).items() if p.startswith(copilot.DIR)}
    assert fm.load(files[".github/instructions/fastapi-async-tests.instructions.md"])["applyTo"] == TESTS
    for text in files.values():
        assert " " not in fm.load(text)["applyTo"]
    structure = fm.load(files[".github/instructions/fastapi-structure.instructions.md"])["applyTo"]
    assert structure == "**/main.py,**/main/**/*.py,**/__init__.py"  # Copilot has no agent-requested files


def test_copilot_repository_file_is_the_core(selection) -> None:
    text = TARGETS["copilot"].render(selection)[copilot.REPO_FILE]
    assert not text.startswith("---")
    assert "bp-rules verify diff" in text and "src/" not in text.split("Must-know")[0]
    assert "async-demo-no-sleep" in text  # the error rule is a must-know


# --- Claude, Cline, Windsurf, Kiro: real YAML ----------------------------------------------------------


def test_claude_paths_is_a_yaml_list(selection) -> None:
    files = owned_files("claude", selection)
    text = files[".claude/rules/fastapi-async-tests.md"]
    assert "paths:\n  - '**/tests/**/*.py'\n" in text
    assert fm.load(text) == {"paths": TESTS.split(",")}
    assert fm.load(files[".claude/rules/fastapi-async.md"])["paths"][0] == "**/router.py"


def test_claude_md_is_the_core_not_an_import(selection) -> None:
    text = TARGETS["claude"].render(selection)[claude.MEMORY_FILE]
    assert "@AGENTS.md" not in text
    assert "async-demo-no-sleep" in text and "fastapi-best-practices" in text
    assert TARGETS["claude"].requires == ()


def test_cline_paths_list_and_no_frontmatter_for_the_core(selection) -> None:
    files = owned_files("cline", selection)
    assert fm.load(files[f"{cline.DIR}/fastapi-async-tests.md"]) == {"paths": TESTS.split(",")}
    assert fm.load(files[f"{cline.DIR}/fastapi-core.md"]) is None


def test_windsurf_trigger(selection) -> None:
    files = owned_files("windsurf", selection)
    scoped = fm.load(files[f"{windsurf.DIR}/fastapi-async-tests.md"])
    assert scoped["trigger"] == "glob" and scoped["globs"] == TESTS
    assert fm.load(files[f"{windsurf.DIR}/fastapi-core.md"])["trigger"] == "always_on"
    assert fm.load(files[f"{windsurf.DIR}/fastapi-structure.md"])["trigger"] == "model_decision"


def test_kiro_inclusion(selection) -> None:
    files = owned_files("kiro", selection)
    assert fm.load(files[f"{kiro.DIR}/fastapi-core.md"]) == {"inclusion": "always"}
    assert fm.load(files[f"{kiro.DIR}/fastapi-async-tests.md"]) == {
        "inclusion": "fileMatch",
        "fileMatchPattern": TESTS.split(","),
    }
    structure = fm.load(files[f"{kiro.DIR}/fastapi-structure.md"])
    assert structure["inclusion"] == "auto" and structure["name"] == "fastapi-structure"


@pytest.mark.parametrize(
    "data",
    [
        {"paths": ["**/*.py", "src/{a,b}/*.py", "*.toml", "a: b"]},
        {"applyTo": "**/*.py,conftest.py", "description": "x: y # z"},
        {"trigger": "glob", "globs": "*.py", "description": "'quoted' and \"double\""},
    ],
)
def test_frontmatter_serializer_round_trips(data: dict) -> None:
    text = fm.dump(data)
    assert text.startswith("---\n") and text.endswith("---\n")
    assert fm.load(text + "body\n") == data
    assert yaml.safe_load(text.strip("-\n")) == data


# --- all targets ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", list(TARGETS))
def test_owned_files_carry_provenance_after_frontmatter(target: str, selection) -> None:
    for path, text in owned_files(target, selection).items():
        assert has_provenance(text), path
        _, body = fm.split(text)
        assert body.startswith(PROVENANCE_PREFIX), path
        assert path.split("/")[-1].startswith("fastapi-") or "/fastapi-best-practices/" in path, path


def test_opt_in_rules_excluded_unless_selected() -> None:
    pack = load_test_pack()
    default = select(pack)
    assert "async-demo-opt-in" not in {r.id for r in default.rules}
    assert [r.id for r in default.opt_in] == ["async-demo-opt-in"]
    chosen = select(pack, Options(select=("async-demo-opt-in",)))
    assert [r.id for r in chosen.rules] == ["async-demo-opt-in"]
    assert "async-demo-opt-in" not in {r.id for r in select(pack, Options(select=("all",))).rules}


def test_min_severity_and_ignore() -> None:
    from bp_rules.schema.models import Severity

    pack = load_test_pack()
    assert [r.id for r in select(pack, Options(min_severity=Severity.warning)).rules] == [
        "async-demo-no-sleep",
        "async-demo-tests-client",
    ]
    assert [r.id for r in select(pack, Options(ignore=("async",))).rules] == ["structure-demo-src-root"]


def test_no_rule_text_in_python() -> None:
    """Rule text comes from the records: no summary or fix of the built-in pack appears in agents/*.py."""
    from pathlib import Path

    from bp_rules.schema.loader import builtin_rules_dir, load_dir

    sources = "".join(p.read_text() for p in Path(cursor.__file__).parent.glob("*.py"))
    rules, _, _, _ = load_dir(builtin_rules_dir())  # whatever records load now
    for rule in rules.values():
        assert rule.summary not in sources
        assert rule.fix not in sources
