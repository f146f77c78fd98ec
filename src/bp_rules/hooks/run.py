"""`bp-rules hook <agent>`: check what an agent just edited and answer in that agent's hook protocol.

The hook never stands in the agent's way: a payload it does not understand, a file outside any project or a
broken configuration is a note on stderr and exit 0. A clean check prints nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from bp_rules.hooks.protocols import MAX_ANSWER_CHARS, PROTOCOLS, Request
from bp_rules.schema.models import Severity
from bp_rules.validator.registry import Finding
from bp_rules.validator.session import Session, SessionError

PAYLOAD_KEYS = ("hook_event_name", "hookEventName", "tool_name", "toolName")
MAX_FINDINGS = 40
# which file wires an agent's own hook: when another agent's config calls this one, that file decides
OWN_HOOK_FILES = {"cursor": (".cursor/hooks.json",), "copilot": (".github/hooks/*.json",)}


@dataclass
class Outcome:
    stdout: str = ""
    stderr: str = ""
    code: int = 0


def handle(agent: str, raw: str, *, stop: bool = False) -> Outcome:
    protocol = PROTOCOLS[agent]
    try:
        payload = json.loads(raw) if raw.strip() else None
    except ValueError:
        payload = None
    if not isinstance(payload, dict) or not (stop or any(k in payload for k in PAYLOAD_KEYS)):
        return Outcome(stderr=f"bp-rules hook {agent}: a payload it does not understand; ignored\n")
    request = protocol.parse(payload, stop)
    if request is None:
        return Outcome()  # an event or tool that edits no file
    if request.caller and _wired_separately(request):
        note = f"bp-rules hook {agent}: {request.caller} runs its own bp-rules hook; this call is skipped\n"
        return Outcome(stderr=note)
    try:
        if request.event == "stop":
            if payload.get("stop_hook_active") or not protocol.stop:
                return Outcome()  # the agent is already continuing because of a stop hook: no loop
            text = _stop_text(request)
        else:
            text = _edit_text(request)
    except SessionError as exc:
        return Outcome(stderr=f"bp-rules hook {agent}: {exc}\n")
    if not text:
        return Outcome()
    return Outcome(stdout=json.dumps(protocol.answer(request, text), ensure_ascii=False) + "\n")


def _wired_separately(request: Request) -> bool:
    root = _root(request)
    for pattern in OWN_HOOK_FILES.get(request.caller, ()):
        for path in root.glob(pattern):
            try:
                if f"hook {request.caller}" in path.read_text(encoding="utf-8"):
                    return True
            except (OSError, UnicodeDecodeError):
                continue
    return False


def _root(request: Request) -> Path:
    start = request.files[0] if request.files else (request.cwd or Path.cwd())
    return Session.for_path(start if start.exists() else start.parent).root


def _edit_text(request: Request) -> str:
    python = [p for p in request.files if p.suffix in (".py", ".pyi") and p.is_file()]
    if not python:
        return ""
    session = Session.for_path(python[0].parent, warm=False)
    if not session.is_project():
        return ""  # a file in no project (no pyproject.toml or .git above it): nothing to check it against
    paths = []
    for path in python:
        try:
            paths.append(session.relative(path))
        except SessionError:
            continue  # another project's file: its own hook call covers it
    if not paths:
        return ""
    findings = _at_threshold(session, session.check(paths).findings)
    where = ", ".join(paths)
    return _text(findings, f"in {where} after this edit")


def _stop_text(request: Request) -> str:
    session = Session.for_path(request.cwd or Path.cwd(), warm=False)
    if not session.is_project():
        return ""
    findings = _at_threshold(session, session.check_change().findings)
    return _text(findings, "in the lines changed since the last commit")


def _at_threshold(session: Session, findings: list[Finding]) -> list[Finding]:
    fail_on = session.config.fail_on
    if not fail_on:
        return findings
    rank = Severity(fail_on).rank
    return [f for f in findings if Severity(f.severity).rank >= rank]


def _text(findings: list[Finding], where: str) -> str:
    if not findings:
        return ""
    head = f"bp-rules: {len(findings)} finding(s) {where}. Fix them now:"
    lines = [head]
    fixes_shown: set[str] = set()
    for f in findings[:MAX_FINDINGS]:
        lines.append(f"{f.path}:{f.line}:{f.col}: {f.rule} [{f.severity}] {f.message}")
        if f.rule not in fixes_shown:
            fixes_shown.add(f.rule)
            lines.append(f"  fix: {f.fix}")
    if len(findings) > MAX_FINDINGS:
        lines.append(f"... and {len(findings) - MAX_FINDINGS} more (run `bp-rules verify`).")
    tail = (
        "`bp-rules rules show <rule-id>` explains a rule; a deliberate exception takes "
        "`# noqa: <rule-id>` on that line."
    )
    text = "\n".join(lines)
    if len(text) + len(tail) + 1 > MAX_ANSWER_CHARS:
        text = text[: MAX_ANSWER_CHARS - len(tail) - 20].rsplit("\n", 1)[0] + "\n... (cut)"
    return f"{text}\n{tail}"
