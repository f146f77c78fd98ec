"""The compact AGENTS.md: it fits Codex's 32 KiB read for the built-in pack, its excerpts are the records' own
lines, it drops info excerpts first when over budget, and `--detail full` keeps the complete layout."""

from __future__ import annotations

import re
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import pytest

from bp_rules.agents import agents_md
from bp_rules.agents.content import Options, select
from bp_rules.agents.excerpt import excerpt
from bp_rules.agents.markdown import excerpt_md
from bp_rules.agents.writer import block
from bp_rules.schema.loader import load_pack
from bp_rules.schema.models import Example, Rule, Severity
from tests.export_helpers import load_test_pack, run_export

CODEX_BYTES = 32 * 1024
HEADERS = re.compile(r"^# (Don't|Do)( \(.+\))?$")
LABELS = re.compile(r"^(Don't|Do) \(`.+`\):$")  # when the two sides need a block each
GAP = "# ..."


@pytest.fixture(scope="module")
def builtin():
    return load_pack()


def example_lines(examples: list[Example]) -> set[str]:
    return {line.strip() for e in examples for f in e.as_files() for line in f.code.splitlines()}


def test_builtin_agents_md_fits_codex_budget(builtin) -> None:
    sel = select(builtin)
    text = block(agents_md.document(sel))
    assert len(text.encode("utf-8")) <= CODEX_BYTES
    for rule in builtin.enabled():
        assert f"`{rule.id}` · {rule.severity.value}" in text, rule.id
    for rule in sel.opt_in:
        assert f"`{rule.id}`" in text
    # the most severe rules keep their excerpts: info excerpts go first
    for rule in sel.rules:
        if rule.severity is Severity.error:
            assert f"### `{rule.id}` · error" in text, rule.id
    # the version matrix comes first, then the decision tables; the pointer to the full record is at the top
    assert text.index("## Version matrix") < text.index("## Decisions") < text.index("## Review checklist")
    assert "`bp-rules rules show <id>`" in text.split("## Version matrix")[0]
    assert "bp-rules verify diff" in text and "# noqa: <rule-id>" in text


def test_builtin_summaries_appear_once(builtin) -> None:
    """The checklist and the quick reference do not repeat the rules' summaries."""
    text = agents_md.document(select(builtin))
    for rule in builtin.enabled():
        assert text.count(" ".join(rule.summary.split())) == 1, rule.id


def test_every_excerpt_line_comes_from_the_rule_examples(builtin) -> None:
    for rule in builtin.rules.values():
        ex = excerpt(rule)
        dont_files = {f.path for e in rule.examples.dont for f in e.as_files()}
        do_files = {f.path for e in rule.examples.do for f in e.as_files()}
        assert ex.dont.path in dont_files and ex.do.path in do_files, rule.id
        assert ex.dont.code_lines() and ex.do.code_lines(), rule.id
        dont_lines, do_lines = example_lines(rule.examples.dont), example_lines(rule.examples.do)
        assert {line.strip() for line in ex.dont.code_lines()} <= dont_lines, rule.id
        assert {line.strip() for line in ex.do.code_lines()} <= do_lines, rule.id
        # and the rendered block adds nothing but the two headers and the gap markers
        for line in excerpt_md(rule).splitlines():
            if line.startswith("```") or HEADERS.match(line) or LABELS.match(line) or line.strip() in (GAP, "...", ""):
                continue
            assert line.strip() in dont_lines | do_lines, (rule.id, line)


def test_every_excerpt_is_short(builtin) -> None:
    for rule in builtin.rules.values():
        ex = excerpt(rule)
        assert len(ex.do.code_lines()) <= 12, rule.id
        assert len(ex.dont.code_lines()) <= 12, rule.id


def indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _balanced(lines: list[str]) -> bool:
    text = "\n".join(line.split("  #")[0] for line in lines)
    return all(text.count(a) == text.count(b) for a, b in ("()", "[]", "{}"))


def test_excerpts_are_whole_statements(builtin) -> None:
    """No side ends on a block header or a decorator, leaves a header without its body, or cuts a literal."""
    for rule in builtin.rules.values():
        ex = excerpt(rule)
        for side in (ex.dont, ex.do):
            code = side.code_lines()
            assert not code[-1].rstrip().endswith(":"), (rule.id, code)
            assert not code[-1].lstrip().startswith("@"), (rule.id, code)
            assert _balanced(code), (rule.id, code)
            for line, following in pairwise(code):
                if line.rstrip().endswith(":"):  # a header is followed by its body (gaps aside)
                    assert indent(following) > indent(line), (rule.id, line, following)


RECORD = {
    "id": "async-demo-excerpt",
    "title": "Excerpt demo",
    "category": "async",
    "severity": "error",
    "summary": "Await asyncio.sleep in async code.",
    "rationale": "A blocking sleep stops the event loop for everyone.",
    "source": ["Test"],
    "origin": "explicit",
    "scope": "code",
    "check": None,
    "fix": "Await it.",
    "examples": {
        "dont": [
            {
                "path": "src/posts/router.py",
                "code": "import time\n\nimport httpx\n\n\nasync def get_post() -> dict:\n"
                "    client = httpx.AsyncClient()\n    data = {}\n    time.sleep(1)\n    return data\n",
                "lines": [9],
            }
        ],
        "do": [
            {"path": "src/other.py", "code": "x = 1\n"},
            {
                "path": "src/posts/router.py",
                "code": "import asyncio\n\nimport httpx\n\n\nasync def get_post() -> dict:\n"
                "    client = httpx.AsyncClient()\n    data = {}\n    await asyncio.sleep(1)\n    return data\n",
            },
        ],
    },
}


def test_excerpt_marked_lines_context_gap_and_replacement() -> None:
    ex = excerpt(Rule.model_validate(RECORD))
    assert ex.dont.lines == ("async def get_post() -> dict:", None, "    time.sleep(1)")
    assert ex.do.lines == ("await asyncio.sleep(1)",)  # diffed against the Do file of the same path
    assert ex.do.path == "src/posts/router.py"
    assert excerpt_md(Rule.model_validate(RECORD)) == (
        "```python\n# Don't\nasync def get_post() -> dict:\n    # ...\n    time.sleep(1)\n\n\n# Do\n"
        "await asyncio.sleep(1)\n```"
    )


def test_excerpt_falls_back_to_the_most_similar_do_line_and_keeps_marked_imports() -> None:
    record = {**RECORD, "examples": {
        "dont": [{"path": "src/auth/jwt.py", "code": "import os\nfrom jose import jwt\n", "lines": [2]}],
        "do": [{"path": "src/auth/tokens.py", "code": "import os\n\nimport jwt\n\nSECRET = os.environ['S']\n"}],
    }}  # fmt: skip
    ex = excerpt(Rule.model_validate(record))
    assert ex.dont.lines == ("from jose import jwt",)
    assert ex.do.lines == ("import jwt",)  # a marked import is the point, so imports stay
    assert "# Don't (src/auth/jwt.py)" in excerpt_md(Rule.model_validate(record))


@pytest.mark.parametrize("limit", [CODEX_BYTES, 30_000, 27_000])
def test_info_excerpts_are_dropped_first_and_the_file_says_so(
    limit: int, builtin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(agents_md, "BUDGET", replace(agents_md.BUDGET, limit=limit))
    sel = select(builtin)
    text = agents_md.document(sel)
    assert len(block(text).encode()) <= limit
    kept = {r.id for r in sel.rules if f"### `{r.id}` · " in text}
    dropped = [r for r in sel.rules if r.id not in kept]
    for rule in dropped:  # a one-line entry, with its summary
        assert f"- `{rule.id}` · {rule.severity.value} · " in text, rule.id
    for rule in sel.rules:
        if rule.id in kept:  # nothing less severe lost its excerpt before this one
            assert all(d.severity.rank <= rule.severity.rank for d in dropped), rule.id
    if dropped:
        severities = ", ".join(s.value for s in sorted({r.severity for r in dropped}, key=lambda s: -s.rank))
        assert f"{len(dropped)} rules ({severities}) are listed without a code excerpt" in text


def test_over_budget_drops_warnings_after_infos(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(agents_md, "BUDGET", replace(agents_md.BUDGET, limit=100))
    text = agents_md.document(select(load_test_pack()))
    assert "### " not in text  # nothing fits: every excerpt is gone, every rule keeps its line
    assert "- `async-demo-no-sleep` · error · checked (ruff `ASYNC251`): Never call" in text
    assert "(error, warning, info)" in text


def test_full_detail_renders_every_rule_in_full() -> None:
    sel = select(load_test_pack(), Options(detail="full"))
    text = agents_md.document(sel)
    assert "### `async-demo-no-sleep` · error — No time.sleep in async routes" in text
    assert "**Don't** — time.sleep in an async route (`src/posts/router.py`):" in text
    assert "Fix: Use `await asyncio.sleep(...)`: it yields to the loop." in text
    assert "Checked by `bp-rules verify` (`async-demo-no-sleep`; ruff `ASYNC251`)." in text
    assert "| `async-demo-no-sleep` | error | No time.sleep in async routes | verify · ruff ASYNC251 |" in text


def test_detail_option_on_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bp_rules.schema import loader
    from tests.export_helpers import TEST_PACK

    monkeypatch.setattr(loader, "builtin_rules_dir", lambda: TEST_PACK)
    assert run_export("-t", "junie", "--out", str(tmp_path / "compact")).exit_code == 0
    assert run_export("-t", "junie", "--out", str(tmp_path / "full"), "--detail", "full").exit_code == 0
    compact = (tmp_path / "compact/.junie/AGENTS.md").read_text()
    full = (tmp_path / "full/.junie/AGENTS.md").read_text()
    assert "# Don't" in compact and "Fix:" not in compact
    assert "**Don't**" in full and "Fix:" in full
    check = run_export("-t", "junie", "--out", str(tmp_path / "full"), "--check")
    assert check.exit_code == 1  # the default is compact
