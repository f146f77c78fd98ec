"""Declarative checks in a user's own pack: a checked rule without writing Python."""

from __future__ import annotations

import textwrap
from pathlib import Path

from bp_rules.schema.loader import load_pack
from tests.conftest import verify_tree, write_tree

RECORD = """\
id: {rule_id}
title: A rule of our own
category: {category}
severity: warning
summary: Follow our own house rule in every service.
rationale: Our services share one client and one way to call it, so that timeouts stay consistent.
source: ["Our handbook"]
origin: explicit
scope: code
examples:
  dont:
    - code: |
        x = 1
      lines: [1]
  do:
    - code: |
        x = 2
check:
{check}
fix: Do it our way.
"""


def make_pack(tmp_path: Path, rule_id: str, check: str) -> Path:
    category = rule_id.split("-", 1)[0]
    path = tmp_path / "pack" / category / f"{rule_id}.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(
        RECORD.format(rule_id=rule_id, category=category, check=textwrap.indent(check, "  ")), encoding="utf-8"
    )
    return tmp_path / "pack"


def findings(tmp_path: Path, pack_dir: Path, rule_id: str, code: str) -> list[tuple[int, str]]:
    project = tmp_path / "project"
    write_tree(project, {"service.py": textwrap.dedent(code)})
    pack = load_pack([pack_dir])
    return [(f.line, f.message) for f in verify_tree(project, pack, select=(rule_id,))]


def test_call_inside_async_functions_only(tmp_path):
    pack = make_pack(
        tmp_path,
        "ours-no-sync-fetch",
        'kind: call\ncalls: [ourlib.fetch]\ninside: async-function\nmessage: "`{call}` blocks"',
    )
    code = """\
        import ourlib as ol
        from ourlib import fetch as grab

        def sync_job():
            return ol.fetch("a")

        async def handler():
            grab("b")
            await ol.fetch_async("c")

            def later():
                return ol.fetch("d")
    """
    assert findings(tmp_path, pack, "ours-no-sync-fetch", code) == [(8, "`ourlib.fetch` blocks")]


def test_call_with_a_required_keyword_value(tmp_path):
    check = (
        "kind: call\ncalls: [ourlib.Client]\n"
        'require_keywords: {timeout: null, retries: "3"}\nmessage: "`{call}` needs `{keyword}`"'
    )
    pack = make_pack(tmp_path, "ours-client-settings", check)
    code = """\
        from ourlib import Client

        a = Client(timeout=5, retries=3)
        b = Client(retries=3)
        c = Client(timeout=5, retries=2)
        d = Client(**settings)
    """
    assert findings(tmp_path, pack, "ours-client-settings", code) == [
        (4, "`ourlib.Client` needs `timeout`"),
        (5, "`ourlib.Client` needs `retries`"),
    ]


def test_call_with_a_forbidden_keyword(tmp_path):
    check = 'kind: call\ncalls: [ourlib.Client]\nforbid_keywords: [verify]\nmessage: "`{call}` with `{keyword}=`"'
    pack = make_pack(tmp_path, "ours-verify-tls", check)
    code = """\
        import ourlib

        ok = ourlib.Client(timeout=5)
        bad = ourlib.Client(verify=False)
    """
    assert findings(tmp_path, pack, "ours-verify-tls", code) == [(4, "`ourlib.Client` with `verify=`")]


def test_import_of_a_module_and_of_a_name(tmp_path):
    pack = make_pack(
        tmp_path, "ours-no-legacy", 'kind: import\nnames: [legacy, tools.old_helper]\nmessage: "`{name}` is retired"'
    )
    code = """\
        import legacy.client
        from tools import old_helper, new_helper
        import tools

        old_helper()
        new_helper()
    """
    # the import is the place to act: uses of a name whose import was reported are not reported again
    assert findings(tmp_path, pack, "ours-no-legacy", code) == [
        (1, "`legacy.client` is retired"),
        (2, "`tools.old_helper` is retired"),
    ]
    # reached through an allowed module, the reference itself is the finding
    code = """\
        import tools

        tools.new_helper()
        tools.old_helper()
    """
    assert findings(tmp_path / "second", pack, "ours-no-legacy", code) == [(4, "`tools.old_helper` is retired")]
