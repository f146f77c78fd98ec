"""Rule pages: `bp-rules rules docs`, the committed docs/rules/, and the links to them."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from click.testing import CliRunner

from bp_rules import links
from bp_rules.cli import cli
from bp_rules.rule_pages import INDEX, SECTIONS, changes, page
from bp_rules.schema.loader import load_pack

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "rules"


def test_committed_pages_match_the_records() -> None:
    """docs/rules/ is what `bp-rules rules docs --out docs/rules` writes for the built-in pack."""
    drift = [c.path for c in changes(DOCS, load_pack([]).sorted_rules()) if c.action != "unchanged"]
    assert not drift, f"docs/rules drifted ({', '.join(drift[:5])}); run: bp-rules rules docs --out docs/rules"


def test_every_page_has_the_same_sections_in_order() -> None:
    for rule in load_pack([]).rules.values():
        headings = re.findall(r"^## (.+)$", page(rule), re.MULTILINE)
        assert tuple(headings) == SECTIONS, rule.id


def test_index_links_every_page() -> None:
    pack = load_pack([])
    index = (DOCS / INDEX).read_text()
    for rule_id in pack.rules:
        assert f"]({rule_id}.md)" in index
        assert (DOCS / f"{rule_id}.md").is_file()


def test_docs_command_writes_checks_and_removes_stale_pages(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["rules", "docs", "--out", str(tmp_path)]).exit_code == 0
    assert runner.invoke(cli, ["rules", "docs", "--out", str(tmp_path), "--check"]).exit_code == 0
    stale = tmp_path / "no-such-rule.md"
    stale.write_text((tmp_path / INDEX).read_text())  # carries the generated header
    mine = tmp_path / "notes.md"
    mine.write_text("# Our notes\n")
    check = runner.invoke(cli, ["rules", "docs", "--out", str(tmp_path), "--check"])
    assert check.exit_code == 1 and "no-such-rule.md" in check.output
    assert runner.invoke(cli, ["rules", "docs", "--out", str(tmp_path)]).exit_code == 0
    assert not stale.exists() and mine.read_text() == "# Our notes\n"


def test_links_point_at_the_versioned_pages() -> None:
    assert links.rule_page("deps-annotated", "1.2.3") == (
        "https://github.com/bp-rules/bp-rules/blob/v1.2.3/docs/rules/deps-annotated.md"
    )
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]
    assert urls["Repository"] == links.REPOSITORY
    assert DOCS.relative_to(ROOT).as_posix() == links.PAGES_DIR


def test_sarif_help_uri_links_the_rule_page() -> None:
    from bp_rules.reporters import sarif
    from bp_rules.validator.registry import Finding

    finding = Finding("a.py", 1, 1, "deps-annotated", 1, 2, "warning", "message", "fix")
    log = json.loads(sarif.render([finding], pack=load_pack([])))
    (rule,) = log["runs"][0]["tool"]["driver"]["rules"]
    assert rule["helpUri"] == links.rule_page("deps-annotated")


def test_exported_files_link_the_pages() -> None:
    from bp_rules.agents import TARGETS
    from bp_rules.agents.content import select

    sel = select(load_pack([]))
    assert links.pages_base() in TARGETS["agents"].render(sel)["AGENTS.md"]
    assert links.pages_base() in TARGETS["cursor"].render(sel)[".cursor/rules/fastapi-core.mdc"]
