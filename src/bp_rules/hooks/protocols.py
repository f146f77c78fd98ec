"""What each agent's hooks send on stdin and expect back, for `bp-rules hook <agent>`.

A protocol turns a payload into a `Request` (the files an edit touched, or the end of the agent's turn) and
findings into the answer that reaches the model in that agent. A payload a protocol does not recognise gives
`None`: the hook then exits 0 without a word on stdout, so an unknown event never blocks an agent.

Claude Code and Codex get `{"decision": "block", "reason": ...}` on exit 0. Exit 2 with the findings on
stderr also reaches the model in principle, but it has been reported lost (Claude Code, and Codex dropped
PostToolUse stderr in one release) while the JSON answer is placed next to the tool result; the write has
happened either way, so "block" only means "show the model this".
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Event = Literal["edit", "stop"]
MAX_ANSWER_CHARS = 9_000  # Claude Code caps hook strings at 10,000 characters, Copilot at 10 KB
PATH_KEYS = ("file_path", "path", "filePath", "target_file", "absolute_path")


@dataclass
class Request:
    event: Event
    files: list[Path] = field(default_factory=list)  # absolute, as the agent named them
    cwd: Path | None = None
    caller: str = ""  # the agent that actually sent the payload, when another agent reads this one's config


@dataclass(frozen=True)
class Protocol:
    name: str
    label: str
    parse: Callable[[dict, bool], Request | None]  # (payload, --stop given) -> request
    answer: Callable[[Request, str], dict]  # (request, findings text) -> the JSON to print
    stop: bool = True  # whether the agent can be handed findings when it stops


def _cwd(payload: dict) -> Path | None:
    cwd = payload.get("cwd")
    if isinstance(cwd, str) and cwd:
        return Path(cwd)
    roots = payload.get("workspace_roots")
    if isinstance(roots, list) and roots and isinstance(roots[0], str):
        return Path(roots[0])
    return None


def _absolute(value: object, cwd: Path | None) -> Path | None:
    if not isinstance(value, str) or not value:
        return None
    path = Path(value)
    if not path.is_absolute():
        path = (cwd or Path.cwd()) / path
    return path


def _path_in(arguments: object, cwd: Path | None) -> list[Path]:
    if isinstance(arguments, str):  # Copilot hands its tool arguments over as a JSON string
        try:
            arguments = json.loads(arguments)
        except ValueError:
            return []
    if not isinstance(arguments, dict):
        return []
    for key in PATH_KEYS:
        path = _absolute(arguments.get(key), cwd)
        if path is not None:
            return [path]
    return []


def _event(payload: dict, stop_flag: bool, stop_names: tuple[str, ...]) -> str:
    name = payload.get("hook_event_name") or payload.get("hookEventName") or ""
    if stop_flag or name in stop_names:
        return "stop"
    return str(name)


# --- Claude Code ---------------------------------------------------------------------------------------

CLAUDE_EDIT_TOOLS = frozenset({"Edit", "Write", "MultiEdit"})


def _claude_like(payload: dict, stop_flag: bool, edit_tools: frozenset[str], patch_tool: str = "") -> Request | None:
    cwd = _cwd(payload)
    event = _event(payload, stop_flag, ("Stop", "SubagentStop"))
    if event == "stop":
        return Request("stop", cwd=cwd)
    if event not in ("PostToolUse", ""):
        return None
    tool = payload.get("tool_name")
    tool_input = payload.get("tool_input")
    if tool == patch_tool and patch_tool:
        return Request("edit", patch_paths(tool_input, cwd), cwd)
    if tool not in edit_tools:
        return None
    return Request("edit", _path_in(tool_input, cwd), cwd)


def parse_claude(payload: dict, stop_flag: bool) -> Request | None:
    if "cursor_version" in payload:  # Cursor runs the hooks of .claude/settings.json too
        request = parse_cursor(payload, stop_flag)
        if request is not None:
            request.caller = "cursor"
        return request
    if "toolName" in payload:  # so does the Copilot CLI, with its own payload
        request = parse_copilot(payload, stop_flag)
        if request is not None:
            request.caller = "copilot"
        return request
    return _claude_like(payload, stop_flag, CLAUDE_EDIT_TOOLS)


def answer_block(request: Request, text: str) -> dict:
    return {"decision": "block", "reason": text}


def answer_claude(request: Request, text: str) -> dict:
    if request.caller == "cursor":  # Cursor reads its own key; a Claude answer it maps as well
        return {**answer_cursor(request, text), **answer_block(request, text)}
    if request.caller == "copilot":
        return answer_copilot(request, text)
    return answer_block(request, text)


# --- Cursor --------------------------------------------------------------------------------------------

CURSOR_EDIT_TOOLS = frozenset({"Write", "Edit", "StrReplace", "MultiEdit", "Create"})


def parse_cursor(payload: dict, stop_flag: bool) -> Request | None:
    cwd = _cwd(payload)
    event = _event(payload, stop_flag, ("stop",))
    if event == "stop":
        return Request("stop", cwd=cwd)
    if event not in ("postToolUse", "PostToolUse", ""):
        return None  # afterFileEdit cannot answer: postToolUse is the one that reaches the model
    if payload.get("tool_name") not in CURSOR_EDIT_TOOLS:
        return None
    return Request("edit", _path_in(payload.get("tool_input"), cwd), cwd)


def answer_cursor(request: Request, text: str) -> dict:
    if request.event == "stop":
        return {"followup_message": text}
    return {"additional_context": text}


# --- GitHub Copilot (cloud agent and CLI) -----------------------------------------------------------------

COPILOT_EDIT_TOOLS = frozenset({"edit", "create", "str_replace_editor", "write"})


def parse_copilot(payload: dict, stop_flag: bool) -> Request | None:
    cwd = _cwd(payload)
    event = _event(payload, stop_flag, ("agentStop", "Stop"))
    if event == "stop":
        return Request("stop", cwd=cwd)
    if event not in ("postToolUse", ""):
        return None
    tool = payload.get("toolName", payload.get("tool_name"))
    if tool not in COPILOT_EDIT_TOOLS:
        return None
    return Request("edit", _path_in(payload.get("toolArgs", payload.get("tool_input")), cwd), cwd)


def answer_copilot(request: Request, text: str) -> dict:
    if request.event == "stop":
        return answer_block(request, text)
    return {"additionalContext": text}


# --- Gemini CLI ----------------------------------------------------------------------------------------

GEMINI_EDIT_TOOLS = frozenset({"write_file", "replace", "edit"})


def parse_gemini(payload: dict, stop_flag: bool) -> Request | None:
    if stop_flag:
        return None
    event = payload.get("hook_event_name", "")
    if event not in ("AfterTool", "") or payload.get("tool_name") not in GEMINI_EDIT_TOOLS:
        return None
    cwd = _cwd(payload)
    return Request("edit", _path_in(payload.get("tool_input"), cwd), cwd)


def answer_gemini(request: Request, text: str) -> dict:
    return {"hookSpecificOutput": {"hookEventName": "AfterTool", "additionalContext": text}}


# --- Codex CLI -----------------------------------------------------------------------------------------

_PATCH_FILE = re.compile(r"^\*\*\* (?:Add File|Update File|Move to): (.+?)\s*$", re.MULTILINE)


def patch_paths(tool_input: object, cwd: Path | None) -> list[Path]:
    """The files an `apply_patch` call adds, updates or moves to (a deleted file has nothing to check)."""
    command = tool_input.get("command") if isinstance(tool_input, dict) else tool_input
    if isinstance(command, list):
        command = "\n".join(part for part in command if isinstance(part, str))
    if not isinstance(command, str):
        return []
    found = [_absolute(m.group(1), cwd) for m in _PATCH_FILE.finditer(command)]
    return list(dict.fromkeys(p for p in found if p is not None))


def parse_codex(payload: dict, stop_flag: bool) -> Request | None:
    return _claude_like(payload, stop_flag, CLAUDE_EDIT_TOOLS, patch_tool="apply_patch")


PROTOCOLS: dict[str, Protocol] = {
    p.name: p
    for p in (
        Protocol("claude", "Claude Code", parse_claude, answer_claude),
        Protocol("cursor", "Cursor", parse_cursor, answer_cursor),
        Protocol("copilot", "GitHub Copilot", parse_copilot, answer_copilot),
        Protocol("gemini", "Gemini CLI", parse_gemini, answer_gemini, stop=False),
        Protocol("codex", "Codex CLI", parse_codex, answer_block),
    )
}
