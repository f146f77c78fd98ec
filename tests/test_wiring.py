"""`bp-rules export --wire`: hook and MCP entries merged into the agents' JSON settings files."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

import pytest

from bp_rules.agents.settings_json import Entry, Key, SettingsError, merge, runs_command
from bp_rules.agents.wiring import wirings
from tests.agent_loop_helpers import bp_rules_command, make_project, with_quote_route
from tests.export_helpers import TEST_PACK, run_export

USER_SETTINGS = {
    "permissions": {"allow": ["Bash(npm test)"], "deny": []},
    "hooks": {
        "PostToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "./lint.sh"}]}],
        "PreToolUse": [{"matcher": "Edit", "hooks": [{"type": "command", "command": "./guard.sh"}]}],
    },
    "env": {"Z": "1", "A": "2"},
}
OURS = Entry(("hooks", "PostToolUse"), {"matcher": "Edit|Write", "hooks": [{"command": "bp-rules hook claude"}]},
             runs_command("bp-rules hook claude"))  # fmt: skip


def test_merge_sets_only_what_it_owns_and_keeps_the_rest() -> None:
    before = json.dumps(USER_SETTINGS, indent=2) + "\n"
    after = merge(before, [OURS, Key(("mcpServers", "bp-rules"), {"command": "bp-rules"})])
    data = json.loads(after)
    assert list(data) == ["permissions", "hooks", "env", "mcpServers"]  # key order kept, new keys last
    assert data["env"] == {"Z": "1", "A": "2"} and list(data["env"]) == ["Z", "A"]
    assert data["hooks"]["PreToolUse"] == USER_SETTINGS["hooks"]["PreToolUse"]
    assert data["hooks"]["PostToolUse"][0] == USER_SETTINGS["hooks"]["PostToolUse"][0]
    assert data["hooks"]["PostToolUse"][1] == OURS.value
    # the file was laid out as json.dumps lays it out: every line of the user's survives, in order (a line
    # before an inserted entry only gains its comma)
    assert is_subsequence([line.rstrip(",") for line in before.splitlines()],
                          [line.rstrip(",") for line in after.splitlines()])  # fmt: skip
    assert after.endswith("\n")


def is_subsequence(short: list[str], long: list[str]) -> bool:
    remaining = iter(long)
    return all(any(item == candidate for candidate in remaining) for item in short)


def test_merge_is_idempotent_and_byte_stable() -> None:
    odd_layout = (
        '{"hooks": {"PostToolUse": [{"matcher": "Edit|Write",\n "hooks": [{"command": "bp-rules hook claude"}]}]}}'
    )
    assert merge(odd_layout, [OURS]) is odd_layout  # already there: not even re-serialized
    once = merge(json.dumps(USER_SETTINGS, indent=4), [OURS])
    assert merge(once, [OURS]) is once
    assert '\n    "hooks"' in once and not once.endswith("\n")  # its indentation and final newline kept


def test_merge_keeps_every_other_byte_of_a_hand_formatted_file() -> None:
    before = (
        '{\n  "permissions": {"allow": ["Bash(npm test)", "Read"]},\n'
        '  "hooks": {\n    "PostToolUse": [\n'
        '      {"matcher": "Bash", "hooks": [{"type": "command", "command": "./l.sh"}]}\n'
        "    ]\n  }\n}\n"
    )
    after = merge(before, [OURS, Key(("mcpServers", "bp-rules"), {"command": "bp-rules"})])
    assert after.startswith(before[: before.index("./l.sh")])  # the compact lines are not re-laid out
    assert '"./l.sh"}]},\n      {\n        "matcher": "Edit|Write"' in after  # ours laid out like its siblings
    assert after.endswith('  "mcpServers": {\n    "bp-rules": {\n      "command": "bp-rules"\n    }\n  }\n}\n')
    one_line = '{"a": 1, "hooks": {"PostToolUse": [{"x": 1}]}}'
    assert merge(one_line, [OURS]) == one_line[:-3] + ", " + json.dumps(OURS.value) + "]}}"


def test_merge_replaces_a_stale_entry_in_place_and_drops_duplicates() -> None:
    stale = {"matcher": "Edit|Write|MultiEdit", "hooks": [{"command": "old/bp-rules hook claude", "timeout": 5}]}
    other = {"matcher": "Bash", "hooks": [{"command": "./lint.sh"}]}
    text = json.dumps({"hooks": {"PostToolUse": [stale, other, stale]}}, indent="\t")
    data = json.loads(merge(text, [OURS]))
    assert data["hooks"]["PostToolUse"] == [OURS.value, other]
    assert merge(text, [OURS]).startswith('{\n\t"hooks"')
    assert json.loads(merge('{"version": 7}', [Key(("version",), 1, only_if_missing=True)])) == {"version": 7}


@pytest.mark.parametrize(
    "text",
    [
        '{\n  // my servers\n  "servers": {}\n}',
        '{"servers": {},}',
        "[1, 2]",
        '{"hooks": []}',
        '{"hooks": {"PostToolUse": {}}}',
    ],
)
def test_merge_refuses_what_it_cannot_merge_safely(text: str) -> None:
    with pytest.raises(SettingsError):
        merge(text, [OURS])


def test_export_wire_writes_checks_and_keeps_user_entries(tmp_path: Path) -> None:
    (tmp_path / ".claude").mkdir()
    (tmp_path / ".claude/settings.json").write_text(json.dumps(USER_SETTINGS, indent=2) + "\n")
    mcp = {"mcpServers": {"github": {"type": "http", "url": "https://api.example/mcp"}}}
    (tmp_path / ".mcp.json").write_text(json.dumps(mcp, indent=2) + "\n")
    args = ["--rules", str(TEST_PACK), "--out", str(tmp_path), "--target", "claude", "--target", "cursor"]
    result = run_export(*args, "--wire", "all")
    assert result.exit_code == 0, result.output
    settings = json.loads((tmp_path / ".claude/settings.json").read_text())
    assert settings["permissions"] == USER_SETTINGS["permissions"]
    assert [g["matcher"] for g in settings["hooks"]["PostToolUse"]] == ["Bash", "Edit|Write"]
    assert settings["hooks"]["Stop"][0]["hooks"][0]["command"] == "bp-rules hook claude --stop"
    servers = json.loads((tmp_path / ".mcp.json").read_text())["mcpServers"]
    assert servers["github"] == mcp["mcpServers"]["github"]
    assert servers["bp-rules"] == {"type": "stdio", "command": "bp-rules", "args": ["mcp"]}
    cursor = json.loads((tmp_path / ".cursor/hooks.json").read_text())
    assert cursor["version"] == 1 and cursor["hooks"]["postToolUse"][0]["matcher"] == "Write"
    assert json.loads((tmp_path / ".cursor/mcp.json").read_text())["mcpServers"]["bp-rules"]["args"] == ["mcp"]

    assert run_export(*args, "--wire", "all", "--check").exit_code == 0
    written = (tmp_path / ".claude/settings.json").read_bytes()
    assert run_export(*args, "--wire", "all").exit_code == 0
    assert (tmp_path / ".claude/settings.json").read_bytes() == written  # idempotent

    edited = json.loads(written)
    edited["hooks"]["PostToolUse"][1]["hooks"][0]["timeout"] = 1
    (tmp_path / ".claude/settings.json").write_text(json.dumps(edited, indent=2) + "\n")
    drift = run_export(*args, "--wire", "all", "--check")
    assert drift.exit_code == 1 and '-            "timeout": 1' in drift.output
    # without --wire, export neither writes nor checks the settings files
    assert run_export(*args, "--check").exit_code == 0


def test_export_wire_refuses_a_settings_file_with_comments(tmp_path: Path) -> None:
    (tmp_path / ".vscode").mkdir()
    (tmp_path / ".vscode/mcp.json").write_text('{\n  // mine\n  "servers": {}\n}\n')
    result = run_export("--rules", str(TEST_PACK), "--out", str(tmp_path), "--target", "copilot", "--wire", "mcp")
    assert result.exit_code == 2 and ".vscode/mcp.json: is not plain JSON" in result.output
    assert (tmp_path / ".vscode/mcp.json").read_text() == '{\n  // mine\n  "servers": {}\n}\n'


def test_the_wired_hook_commands_answer(tmp_path: Path) -> None:
    """Each agent's wired edit hook, run as its settings file says, reports an edit that blocks the loop."""
    root = make_project(tmp_path / "demo")
    (root / "app/main.py").write_text(with_quote_route(fixed=False))
    target = str(root / "app/main.py")
    payloads = {
        "claude": {"hook_event_name": "PostToolUse", "tool_name": "Write", "cwd": str(root),
                   "tool_input": {"file_path": target}},
        "cursor": {"hook_event_name": "postToolUse", "tool_name": "Write", "cursor_version": "1.7",
                   "workspace_roots": [str(root)], "tool_input": {"file_path": target}},
        "copilot": {"toolName": "create", "cwd": str(root), "toolArgs": json.dumps({"path": target})},
        "gemini": {"hook_event_name": "AfterTool", "tool_name": "write_file", "cwd": str(root),
                   "tool_input": {"file_path": target}},
        "agents": {"hook_event_name": "PostToolUse", "tool_name": "apply_patch", "cwd": str(root),
                   "tool_input": {"command": "*** Begin Patch\n*** Update File: app/main.py\n*** End Patch"}},
    }  # fmt: skip
    for name, wiring in wirings().items():
        entries = [entry for owned in wiring.hooks.values() for entry in owned if isinstance(entry, Entry)]
        first = entries[0].value
        command = first.get("command") or first.get("bash") or first["hooks"][0]["command"]
        word, *rest = shlex.split(command)
        assert word == "bp-rules"
        done = subprocess.run([*bp_rules_command(), *rest], input=json.dumps(payloads[name]), capture_output=True,
                              text=True, cwd=root, timeout=120)  # fmt: skip
        assert done.returncode == 0, (name, done.stderr)
        assert "async-no-blocking-io-in-async-route" in done.stdout, (name, done.stdout, done.stderr)


def test_export_settings_choose_the_wiring(tmp_path: Path) -> None:
    """`[tool.bp-rules.export] wire` makes a plain `export --check` (the pre-commit hook) cover the entries."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.bp-rules.export]\ntargets = ["claude"]\nwire = ["hooks"]\nwire-command = ".venv/bin/bp-rules"\n'
    )
    assert run_export("--rules", str(TEST_PACK), "--out", str(tmp_path)).exit_code == 0
    settings = json.loads((tmp_path / ".claude/settings.json").read_text())
    assert settings["hooks"]["PostToolUse"][0]["hooks"][0]["command"] == ".venv/bin/bp-rules hook claude"
    assert not (tmp_path / ".mcp.json").exists()
    (tmp_path / ".claude/settings.json").write_text("{}\n")
    assert run_export("--rules", str(TEST_PACK), "--out", str(tmp_path), "--check").exit_code == 1
    (tmp_path / "pyproject.toml").write_text('[tool.bp-rules.export]\ntargets = ["claude"]\nwire = ["nope"]\n')
    assert run_export("--rules", str(TEST_PACK), "--out", str(tmp_path)).exit_code == 2


CODEX_CONFIG = """\
# my Codex settings
model = "o3"

[mcp_servers.github]
command = "gh-mcp"  # the GitHub server

[mcp_servers.bp-rules]
command = "old-bp-rules"
args = ["mcp", "--root", "."]

[mcp_servers.bp-rules.env]
STALE = "1"

# profiles follow
[profiles.fast]
model = "mini"
"""


def test_codex_mcp_server_is_merged_into_its_toml_keeping_everything_else(tmp_path: Path) -> None:
    import tomllib

    (tmp_path / ".codex").mkdir()
    (tmp_path / ".codex/config.toml").write_text(CODEX_CONFIG)
    args = ["--rules", str(TEST_PACK), "--out", str(tmp_path), "--target", "agents"]
    assert run_export(*args, "--wire", "mcp", "--check").exit_code == 1  # drift: the entry is not ours yet
    result = run_export(*args, "--wire", "mcp")
    assert result.exit_code == 0, result.output
    written = (tmp_path / ".codex/config.toml").read_text()
    assert written == CODEX_CONFIG.replace(
        'command = "old-bp-rules"\nargs = ["mcp", "--root", "."]\n\n[mcp_servers.bp-rules.env]\nSTALE = "1"\n',
        'command = "bp-rules"\nargs = ["mcp"]\n',
    )  # every other line, comments included, stays
    assert tomllib.loads(written)["mcp_servers"]["bp-rules"] == {"command": "bp-rules", "args": ["mcp"]}
    assert run_export(*args, "--wire", "mcp", "--check").exit_code == 0
    assert run_export(*args, "--wire", "mcp").exit_code == 0
    assert (tmp_path / ".codex/config.toml").read_text() == written  # idempotent


def test_codex_toml_is_created_and_refused_when_unsafe(tmp_path: Path) -> None:
    args = ["--rules", str(TEST_PACK), "--out", str(tmp_path), "--target", "agents", "--wire", "mcp"]
    assert run_export(*args).exit_code == 0
    assert (
        tmp_path / ".codex/config.toml"
    ).read_text() == '[mcp_servers.bp-rules]\ncommand = "bp-rules"\nargs = ["mcp"]\n'
    for text in ('[mcp_servers]\nbp-rules = { command = "x" }\n', "model = \n"):
        (tmp_path / ".codex/config.toml").write_text(text)
        result = run_export(*args)
        assert result.exit_code == 2 and ".codex/config.toml" in result.output, result.output
        assert (tmp_path / ".codex/config.toml").read_text() == text
