"""A real client reads the exports back: rulesync (npm) `import` of every Cursor and Copilot file keeps its scope.

rulesync needs Node 22 or newer, which CI (the README's pip commands on a fresh machine) does not have, so
the test skips there with the reason. To run it: `npm install rulesync node@22` in some folder, then
`BP_RULES_RULESYNC=<folder>/node_modules/.bin/rulesync BP_RULES_NODE=<folder>/node_modules/.bin/node pytest
tests/test_rulesync_roundtrip.py` (or have both on PATH).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bp_rules.agents import copilot, cursor
from bp_rules.agents import frontmatter as fm
from bp_rules.agents.content import Options
from bp_rules.schema.loader import load_pack
from tests.export_helpers import export_to

MIN_NODE = 22


def _tool(env: str, name: str) -> str | None:
    return os.environ.get(env) or shutil.which(name)


def _node_major(node: str) -> int:
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return 0
    return int(out.strip().lstrip("v").split(".")[0] or 0)


RULESYNC = _tool("BP_RULES_RULESYNC", "rulesync")
NODE = _tool("BP_RULES_NODE", "node")
REASON = (
    f"rulesync (npm) with Node {MIN_NODE}+ is not installed; CI runs only the README's pip commands "
    "(see this module's docstring to run it)"
)
pytestmark = pytest.mark.skipif(RULESYNC is None or NODE is None or _node_major(NODE) < MIN_NODE, reason=REASON)


def _import(root: Path, target: str) -> dict[str, dict]:
    """rulesync's reading of the target's files: {rule file name: its frontmatter}."""
    assert RULESYNC is not None and NODE is not None
    env = {**os.environ, "PATH": f"{Path(NODE).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    shutil.rmtree(root / ".rulesync", ignore_errors=True)
    result = subprocess.run(
        [NODE, os.path.realpath(RULESYNC), "import", "--targets", target],
        cwd=root, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return {p.stem: yaml.safe_load(fm.split(p.read_text())[0] or "") for p in (root / ".rulesync/rules").glob("*.md")}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project")
    pack = load_pack([])
    for target in ("cursor", "copilot"):
        export_to(root, target, pack, Options())
    return root


def test_rulesync_reads_every_cursor_file_with_its_scope(exported: Path) -> None:
    files = sorted((exported / cursor.DIR).glob("*.mdc"))
    imported = _import(exported, "cursor")
    assert sorted(imported) == sorted(p.stem for p in files)
    for path in files:
        ours = cursor.parse_frontmatter(path.read_text())
        theirs = imported[path.stem]
        if ours["alwaysApply"]:
            assert theirs["cursor"]["alwaysApply"] is True, path.name
        elif ours["globs"]:
            assert theirs["globs"] == ours["globs"], path.name
        else:  # agent requested: a description and no globs
            assert theirs["globs"] == [] and theirs["cursor"]["alwaysApply"] is False, path.name
            assert " ".join(theirs["description"].split()) == ours["description"], path.name


def test_rulesync_reads_every_copilot_file_with_its_scope(exported: Path) -> None:
    files = sorted((exported / copilot.DIR).glob("*.instructions.md"))
    imported = _import(exported, "copilot")
    assert imported.pop("copilot-instructions")["root"] is True  # the always-on core
    assert sorted(imported) == sorted(p.name.removesuffix(".instructions.md") for p in files)
    for path in files:
        apply_to = fm.load(path.read_text())["applyTo"]
        assert imported[path.name.removesuffix(".instructions.md")]["globs"] == apply_to.split(","), path.name
