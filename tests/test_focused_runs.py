"""A run for a few files (what `check_code`, `check_files` and the hooks ask for) gives exactly the findings a whole
run gives in those files, although its cross-file checks visit only those files and use the rest as context."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bp_rules.schema.loader import load_pack
from bp_rules.schema.models import Example, Rule
from bp_rules.validator.config import load_config
from bp_rules.validator.engine import run
from bp_rules.validator.files import collect
from bp_rules.validator.memory import Memory
from bp_rules.validator.registry import PROJECT_CHECKS, load_builtin_checks
from bp_rules.validator.session import Session
from tests.conftest import verify_tree, write_tree

PACK = load_pack()
load_builtin_checks()
CROSS_FILE = [r for r in PACK.sorted_rules() if r.id in PROJECT_CHECKS]


def _cases():
    for rule in CROSS_FILE:
        for kind in ("dont", "do"):
            for i, example in enumerate(getattr(rule.examples, kind)):
                yield pytest.param(rule, example, id=f"{rule.id}-{kind}-{i}")


@pytest.mark.parametrize(("rule", "example"), list(_cases()))
def test_a_run_for_one_file_reports_what_the_whole_run_reports_there(tmp_path: Path, rule: Rule, example: Example):
    write_tree(tmp_path, {f.path: f.code for f in example.as_files()})
    config = replace(load_config(tmp_path.resolve()), select=("all", rule.id))
    files = collect([tmp_path], config)
    memory = Memory()  # phase 1 once; each run below redoes phase 2 only
    whole = run(PACK, config, files, jobs=1, use_cache=False, memory=memory).findings
    for rel, _ in files.python:
        focused = run(PACK, config, files, jobs=1, use_cache=False, memory=memory, report_in=frozenset({rel}))
        assert [f for f in focused.findings if f.path == rel] == [f for f in whole if f.path == rel], rel


APP = {
    "pyproject.toml": '[project]\nname = "shop"\ndependencies = ["fastapi", "requests"]\n',
    "src/__init__.py": "",
    "src/rates/__init__.py": "",
    "src/rates/client.py": (
        "import requests\n\n\ndef load_rates(currency: str) -> dict:\n"
        '    return requests.get(f"https://rates.example/{currency}", timeout=5).json()\n'
    ),
    "src/orders/__init__.py": "",
    "src/orders/router.py": (
        "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n"
        '@router.get("/orders")\nasync def list_orders() -> list[str]:\n    return []\n'
    ),
}

NEW_HELPER = (
    "from fastapi import APIRouter\n\nfrom src.rates.client import load_rates\n\nrouter = APIRouter()\n\n\n"
    "def price_in(currency: str) -> float:\n    return load_rates(currency)['rate']\n\n\n"
    '@router.get("/orders")\nasync def list_orders() -> list[str]:\n    price_in("EUR")\n    return []\n'
)


def test_a_snippet_checked_in_a_session_gives_what_verify_gives_once_it_is_written(tmp_path: Path):
    write_tree(tmp_path, APP)
    session = Session(tmp_path, use_cache=False)
    assert session.check().findings == verify_tree(tmp_path, PACK)  # warm: every file's result in memory
    rel = "src/orders/router.py"
    snippet = session.check([rel], sources={rel: NEW_HELPER}).findings
    # the new helper reaches the blocking call in another module, unchanged on disk
    assert any(f.rule == "async-no-blocking-io-in-async-route" and "load_rates" in f.message for f in snippet)
    (tmp_path / rel).write_text(NEW_HELPER, encoding="utf-8")
    assert snippet == [f for f in verify_tree(tmp_path, PACK) if f.path == rel]
    assert session.check([rel]).findings == snippet  # the file as written, read back from the disk


def test_an_edit_elsewhere_changes_what_a_session_reports_in_an_unchanged_file(tmp_path: Path):
    write_tree(tmp_path, {**APP, "src/orders/router.py": NEW_HELPER})
    session = Session(tmp_path, use_cache=False)
    rel = "src/orders/router.py"
    assert session.check([rel]).findings  # blocks, through the helper
    fixed = "def load_rates(currency: str) -> dict:\n    return {'rate': 1.0}\n"
    clean = session.check([rel], sources={"src/rates/client.py": fixed}).findings
    (tmp_path / "src/rates/client.py").write_text(fixed, encoding="utf-8")
    assert clean == [f for f in verify_tree(tmp_path, PACK) if f.path == rel]
    assert not [f for f in clean if f.rule == "async-no-blocking-io-in-async-route"]
