"""`bp-rules hook <agent>` fed the payload shapes each agent sends, answering in that agent's protocol."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bp_rules.hooks.protocols import patch_paths
from bp_rules.hooks.run import handle
from tests.agent_loop_helpers import MAIN, bp_rules_command, make_project, with_quote_route, with_rates_route

BLOCKING = "async-no-blocking-io-in-async-route"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "demo")


def claude_write(root: Path, rel: str = "app/main.py") -> dict:
    return {
        "session_id": "abc", "transcript_path": "/tmp/t.jsonl", "cwd": str(root), "permission_mode": "default",
        "hook_event_name": "PostToolUse", "tool_name": "Write", "tool_use_id": "toolu_1",
        "tool_input": {"file_path": str(root / rel), "content": (root / rel).read_text()},
        "tool_response": {"filePath": str(root / rel), "success": True}, "duration_ms": 12,
    }  # fmt: skip


def claude_edit(root: Path) -> dict:
    return {**claude_write(root), "tool_name": "Edit",
            "tool_input": {"file_path": str(root / "app/main.py"), "old_string": "async def", "new_string": "def",
                           "replace_all": False}}  # fmt: skip


def cursor_post_tool_use(root: Path) -> dict:
    return {
        "conversation_id": "c1", "generation_id": "g1", "model": "m", "hook_event_name": "postToolUse",
        "cursor_version": "1.7.2", "workspace_roots": [str(root)], "user_email": None, "transcript_path": None,
        "tool_name": "Write", "tool_input": {"file_path": str(root / "app/main.py"), "contents": "..."},
        "tool_output": "{\"success\": true}", "cwd": str(root), "duration": 15,
    }  # fmt: skip


def copilot_post_tool_use(root: Path) -> dict:
    return {
        "timestamp": 1764770000000, "cwd": str(root), "toolName": "edit",
        "toolArgs": json.dumps({"path": "app/main.py", "old_str": "a", "new_str": "b"}),
        "toolResult": {"resultType": "success", "textResultForLlm": "File edited"},
    }  # fmt: skip


def gemini_after_tool(root: Path) -> dict:
    return {
        "session_id": "s", "transcript_path": "/tmp/t.json", "cwd": str(root), "hook_event_name": "AfterTool",
        "timestamp": "2026-12-03T10:00:00Z", "tool_name": "replace",
        "tool_input": {"file_path": str(root / "app/main.py"), "old_string": "a", "new_string": "b"},
        "tool_response": {"llmContent": "ok"},
    }  # fmt: skip


PATCH = """*** Begin Patch
*** Update File: app/main.py
@@
-async def health():
+def health():
*** End Patch
"""


def codex_apply_patch(root: Path) -> dict:
    return {
        "session_id": "s", "transcript_path": None, "cwd": str(root), "hook_event_name": "PostToolUse",
        "model": "gpt-5-codex", "tool_name": "apply_patch", "tool_use_id": "call_1",
        "tool_input": {"command": PATCH}, "tool_response": "Success. Updated the following files:\nM app/main.py",
    }  # fmt: skip


def answer(agent: str, payload: dict, *, stop: bool = False) -> dict | None:
    outcome = handle(agent, json.dumps(payload), stop=stop)
    assert outcome.code == 0
    return json.loads(outcome.stdout) if outcome.stdout else None


def test_clean_edits_are_silent(project: Path) -> None:
    for agent, payload in [
        ("claude", claude_write(project)),
        ("claude", claude_edit(project)),
        ("cursor", cursor_post_tool_use(project)),
        ("copilot", copilot_post_tool_use(project)),
        ("gemini", gemini_after_tool(project)),
        ("codex", codex_apply_patch(project)),
    ]:
        outcome = handle(agent, json.dumps(payload))
        assert (outcome.stdout, outcome.stderr, outcome.code) == ("", "", 0), agent


def test_each_agent_gets_the_finding_in_its_own_protocol(project: Path) -> None:
    (project / "app/main.py").write_text(with_quote_route(fixed=False))
    claude = answer("claude", claude_write(project))
    assert claude["decision"] == "block" and f"app/main.py:18:12: {BLOCKING}" in claude["reason"]
    assert BLOCKING in answer("claude", claude_edit(project))["reason"]
    assert BLOCKING in answer("cursor", cursor_post_tool_use(project))["additional_context"]
    assert BLOCKING in answer("copilot", copilot_post_tool_use(project))["additionalContext"]
    gemini = answer("gemini", gemini_after_tool(project))["hookSpecificOutput"]
    assert gemini["hookEventName"] == "AfterTool" and BLOCKING in gemini["additionalContext"]
    codex = answer("codex", codex_apply_patch(project))
    assert codex["decision"] == "block" and BLOCKING in codex["reason"]


def test_a_new_helper_call_is_checked_across_files(project: Path) -> None:
    (project / "app/main.py").write_text(with_rates_route(fixed=False))
    reason = answer("claude", claude_write(project))["reason"]
    assert "rates -> load_rates -> requests.get" in reason
    (project / "app/main.py").write_text(with_rates_route(fixed=True))
    assert answer("claude", claude_write(project)) is None


def test_stop_checks_everything_changed_since_the_last_commit(project: Path) -> None:
    stop = {"session_id": "s", "cwd": str(project), "hook_event_name": "Stop", "stop_hook_active": False}
    assert answer("claude", stop) is None
    (project / "app/main.py").write_text(with_quote_route(fixed=False))
    (project / "app/extra.py").write_text("import requests\n\n\nasync def go() -> None:\n    requests.get('x')\n")
    reason = answer("claude", stop)["reason"]
    assert "app/main.py:18:12" in reason and "app/extra.py" in reason
    assert answer("claude", {**stop, "stop_hook_active": True}) is None  # no second round: no loop
    cursor_stop = {"hook_event_name": "stop", "status": "completed", "loop_count": 0, "cursor_version": "1.7",
                   "workspace_roots": [str(project)]}  # fmt: skip
    assert BLOCKING in answer("cursor", cursor_stop)["followup_message"]
    assert answer("copilot", {"cwd": str(project)}, stop=True)["decision"] == "block"
    assert answer("codex", {**stop, "model": "gpt-5-codex"})["decision"] == "block"


def test_payloads_it_does_not_understand_never_block(project: Path, tmp_path: Path) -> None:
    for raw in ["", "not json", "[1, 2]", json.dumps({"hello": "world"})]:
        outcome = handle("claude", raw)
        assert outcome.stdout == "" and outcome.code == 0 and "does not understand" in outcome.stderr
    quiet = [
        {**claude_write(project), "tool_name": "Read"},  # not an edit
        {**claude_write(project), "hook_event_name": "PreToolUse"},
        {**claude_write(project), "tool_input": {"file_path": str(project / "README.md")}},  # not Python
        {**claude_write(project), "tool_input": {"file_path": str(tmp_path / "elsewhere" / "x.py")}},
        {**claude_write(project), "tool_input": "garbage"},
        {**cursor_post_tool_use(project), "hook_event_name": "afterFileEdit"},  # cannot answer: postToolUse does
    ]
    for payload in quiet:
        outcome = handle("claude", json.dumps(payload))
        assert (outcome.stdout, outcome.code) == ("", 0), payload


def test_cursor_running_claude_settings_does_not_check_twice(project: Path) -> None:
    (project / "app/main.py").write_text(with_quote_route(fixed=False))
    payload = cursor_post_tool_use(project)
    # no Cursor hook of its own: the Claude entry answers, in a shape Cursor reads
    assert BLOCKING in answer("claude", payload)["additional_context"]
    hooks = {"version": 1, "hooks": {"postToolUse": [{"command": "bp-rules hook cursor", "matcher": "Write"}]}}
    (project / ".cursor").mkdir()
    (project / ".cursor/hooks.json").write_text(json.dumps(hooks))
    outcome = handle("claude", json.dumps(payload))
    assert outcome.stdout == "" and "runs its own bp-rules hook" in outcome.stderr
    assert BLOCKING in answer("cursor", payload)["additional_context"]


def test_apply_patch_paths(tmp_path: Path) -> None:
    patch = PATCH + "*** Add File: app/new.py\n+x = 1\n*** Delete File: app/old.py\n"
    patch += "*** Update File: a.py\n*** Move to: b.py\n"
    found = patch_paths({"command": ["apply_patch", patch]}, tmp_path)
    assert found == [tmp_path / "app/main.py", tmp_path / "app/new.py", tmp_path / "a.py", tmp_path / "b.py"]


def test_end_to_end_through_the_command(project: Path) -> None:
    """The command the settings files run: an edit adding `requests.get` to an async route, then its fix."""

    def hook(payload: dict) -> subprocess.CompletedProcess:
        return subprocess.run([*bp_rules_command(), "hook", "claude"], input=json.dumps(payload),
                              capture_output=True, text=True, cwd=project, timeout=120)  # fmt: skip

    (project / "app/main.py").write_text(with_quote_route(fixed=False))
    done = hook(claude_write(project))
    assert done.returncode == 0
    reply = json.loads(done.stdout)
    assert reply["decision"] == "block" and f"app/main.py:18:12: {BLOCKING}" in reply["reason"]
    again = hook(claude_write(project))  # nothing changed: every file from the cache, no parse at all
    assert json.loads(again.stdout) == reply
    (project / "app/main.py").write_text(with_quote_route(fixed=True))
    done = hook(claude_write(project))
    assert (done.returncode, done.stdout) == (0, "")
    (project / "app/main.py").write_text(MAIN)
