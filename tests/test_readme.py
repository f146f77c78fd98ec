"""The README's pre-commit and GitHub Actions snippets are exact: real hooks, commands the CLI accepts."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

from bp_rules.cli import main

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
HOOKS = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}


def _yaml_blocks() -> list:
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", README, re.DOTALL)]


def _accepted(command: str, capsys) -> bool:
    """The CLI parses the command's options (`--help` stops it before it runs)."""
    words = shlex.split(command)
    assert words[0] == "bp-rules", command
    code = main([*words[1:], "--help"])
    capsys.readouterr()
    return code == 0


def test_the_pre_commit_snippet_uses_local_hooks_defined_like_the_shipped_ones(capsys):
    (config,) = [b for b in _yaml_blocks() if isinstance(b, dict) and "repos" in b]
    (repo,) = config["repos"]
    assert repo["repo"] == "local"  # no made-up repository URL or tag
    for hook in repo["hooks"]:
        shipped = HOOKS[hook["id"]]
        assert hook["entry"] == shipped["entry"]
        assert hook["pass_filenames"] is False
        assert _accepted(hook["entry"], capsys), hook["entry"]


def test_the_export_check_hook_reads_the_project_settings():
    assert HOOKS["bp-rules-export-check"]["entry"] == "bp-rules export --check"


def test_the_github_actions_example_runs_verify_and_uploads_its_sarif(capsys):
    (workflow,) = [b for b in _yaml_blocks() if isinstance(b, dict) and "jobs" in b]
    assert workflow["permissions"]["security-events"] == "write"
    steps = workflow["jobs"]["verify"]["steps"]
    runs = [s["run"] for s in steps if "run" in s and s["run"].startswith("bp-rules")]
    assert runs == ["bp-rules verify --format sarif --output bp-rules.sarif"]
    assert _accepted(runs[0], capsys)
    (upload,) = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif")]
    assert upload["with"]["sarif_file"] == "bp-rules.sarif" and upload["if"] == "always()"
