"""`bp-rules export --wire hooks|mcp`: the hook and MCP server entries in each agent's settings files.

Wiring is an option of the agent targets rather than a target of its own: the agents are the ones already
named with `--target` (agents = Codex, which reads AGENTS.md), and it stays opt-in because it makes the
agent run a program on every edit, which `--target all` alone must not start doing. The entries are merged
into the user's files by `settings_json` (`settings_toml` for Codex's TOML); `--check` and `--dry-run` see
them like every other output.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bp_rules.agents import settings_json, settings_toml
from bp_rules.agents.settings_json import Entry, Key, Owned, SettingsError, runs_command
from bp_rules.agents.writer import Change, ExportError, safe_path

WIRES = ("hooks", "mcp")
SERVER = "bp-rules"


@dataclass(frozen=True)
class Wiring:
    agent: str  # the `bp-rules hook <agent>` protocol
    hooks: dict[str, list[Owned]]  # settings file -> owned entries
    mcp: dict[str, list[Owned]]
    notes: tuple[tuple[str, str], ...] = ()  # (wire, what the user must still do), said on stderr


def _claude_group(matcher: str | None, command: str, timeout: int) -> dict:
    group: dict = {"matcher": matcher} if matcher else {}
    group["hooks"] = [{"type": "command", "command": command, "timeout": timeout}]
    return group


def wirings(command: str = "bp-rules") -> dict[str, Wiring]:
    """Per export target: what `--wire` writes. `command` is how the agent starts bp-rules."""
    hook = f"{command} hook"
    claude, codex = f"{hook} claude", f"{hook} codex"
    cursor, copilot, gemini = f"{hook} cursor", f"{hook} copilot", f"{hook} gemini"
    stdio = {"type": "stdio", "command": command}
    return {
        "claude": Wiring(
            "claude",
            hooks={
                ".claude/settings.json": [
                    Entry(("hooks", "PostToolUse"), _claude_group("Edit|Write", claude, 60), runs_command(claude)),
                    Entry(("hooks", "Stop"), _claude_group(None, f"{claude} --stop", 120), runs_command(claude)),
                ]
            },
            mcp={".mcp.json": [Key(("mcpServers", SERVER), {**stdio, "args": ["mcp"]})]},
        ),
        "cursor": Wiring(
            "cursor",
            hooks={
                ".cursor/hooks.json": [
                    Key(("version",), 1, only_if_missing=True),
                    Entry(
                        ("hooks", "postToolUse"),
                        {"command": cursor, "matcher": "Write", "timeout": 60},
                        runs_command(cursor),
                    ),
                    Entry(
                        ("hooks", "stop"),
                        {"command": f"{cursor} --stop", "timeout": 120, "loop_limit": 2},
                        runs_command(cursor),
                    ),
                ]
            },
            mcp={".cursor/mcp.json": [Key(("mcpServers", SERVER), {**stdio, "args": ["mcp"]})]},
        ),
        "copilot": Wiring(
            "copilot",
            hooks={
                ".github/hooks/bp-rules.json": [
                    Key(("version",), 1, only_if_missing=True),
                    Entry(
                        ("hooks", "postToolUse"),
                        {"type": "command", "bash": copilot, "matcher": "edit|create", "timeoutSec": 60},
                        runs_command(copilot),
                    ),
                    Entry(
                        ("hooks", "agentStop"),
                        {"type": "command", "bash": f"{copilot} --stop", "timeoutSec": 120},
                        runs_command(copilot),
                    ),
                ]
            },
            mcp={
                ".vscode/mcp.json": [
                    Key(("servers", SERVER), {**stdio, "args": ["mcp", "--root", "${workspaceFolder}"]})
                ]
            },
        ),
        "gemini": Wiring(
            "gemini",
            hooks={
                ".gemini/settings.json": [
                    Entry(
                        ("hooks", "AfterTool"),
                        {
                            "matcher": "write_file|replace",
                            "hooks": [{"name": SERVER, "type": "command", "command": gemini, "timeout": 60000}],
                        },
                        runs_command(gemini),
                    ),
                ]
            },
            mcp={".gemini/settings.json": [Key(("mcpServers", SERVER), {"command": command, "args": ["mcp"]})]},
            notes=(("hooks", "Gemini CLI runs hooks only when its hooks system is enabled (see its hooks docs)"),),
        ),
        "agents": Wiring(
            "codex",
            hooks={
                ".codex/hooks.json": [
                    Entry(("hooks", "PostToolUse"), _claude_group("apply_patch", codex, 60), runs_command(codex)),
                    Entry(("hooks", "Stop"), _claude_group(None, f"{codex} --stop", 120), runs_command(codex)),
                ]
            },
            # Codex reads project MCP servers from `.codex/config.toml` (in projects the user trusts)
            mcp={".codex/config.toml": [Key(("mcp_servers", SERVER), {"command": command, "args": ["mcp"]})]},
        ),
    }


def owned_entries(
    target_names: list[str], wires: tuple[str, ...], command: str
) -> tuple[dict[str, list[Owned]], list[str]]:
    """Settings file -> every entry the targets' wiring owns in it, and notes for what is not written."""
    table = wirings(command)
    files: dict[str, list[Owned]] = {}
    notes = []
    for name in target_names:
        wiring = table.get(name)
        if wiring is None:
            continue
        for wire in wires:
            for path, owned in getattr(wiring, wire).items():
                files.setdefault(path, []).extend(owned)
        notes += [note for wire, note in wiring.notes if wire in wires]
    return files, notes


def plan_wiring(
    out: Path, target_names: list[str], wires: tuple[str, ...], command: str
) -> tuple[list[Change], list[str]]:
    """The changes `--wire` makes under `out`, compared with the disk; every unsafe file is an error."""
    files, notes = owned_entries(target_names, wires, command)
    changes: list[Change] = []
    problems: list[str] = []
    for relative in sorted(files):
        try:
            path = safe_path(out, relative)
            old = _read(path, relative)
            merger = settings_toml if relative.endswith(".toml") else settings_json
            new = merger.merge(old, files[relative])
        except ExportError as exc:
            problems += exc.problems
            continue
        except SettingsError as exc:
            problems.append(f"{relative}: {exc}")
            continue
        action = "unchanged" if old == new else ("create" if old is None else "update")
        changes.append(Change(relative, action, old, new))
    if problems:
        raise ExportError(problems)
    return changes, notes


def _read(path: Path, relative: str) -> str | None:
    if not path.exists():
        return None
    if not path.is_file():
        raise ExportError([f"{relative}: exists and is not a regular file"])
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise ExportError([f"{relative}: is not UTF-8 text; bp-rules leaves it alone"]) from None
