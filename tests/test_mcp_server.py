"""`bp-rules mcp` driven by the MCP SDK's own client over stdio, as an agent's client would."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from tests.agent_loop_helpers import bp_rules_command, make_project, with_quote_route, with_rates_route

TOOLS = {"list_rules", "get_rule", "check_code", "check_files", "check_diff", "fix_code"}


def converse(root: Path, script) -> object:
    """Start `bp-rules mcp` in `root`, initialize a client session, run `script(session)`."""
    command, *args = bp_rules_command()

    async def main():
        params = StdioServerParameters(command=command, args=[*args, "mcp"], cwd=str(root))
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            return await script(session)

    return asyncio.run(asyncio.wait_for(main(), timeout=120))


def rules_of(result) -> list[tuple[str, int]]:
    assert not result.isError, result.content
    return [(f["rule"], f["line"]) for f in result.structuredContent["findings"]]


def test_tools_rules_and_resources(tmp_path: Path) -> None:
    root = make_project(tmp_path / "demo")

    async def script(session: ClientSession):
        tools = {t.name: t for t in (await session.list_tools()).tools}
        assert set(tools) == TOOLS
        assert all(t.outputSchema and t.outputSchema.get("type") == "object" for t in tools.values())
        listed = await session.call_tool("list_rules", {"category": "async", "severity": "error"})
        assert not listed.isError
        ids = [r["id"] for r in listed.structuredContent["rules"]]
        assert "async-no-blocking-io-in-async-route" in ids
        assert all(r["category"] == "async" and r["severity"] == "error" for r in listed.structuredContent["rules"])
        on_path = await session.call_tool("list_rules", {"path": "alembic/versions/0001_init.py"})
        assert any(r["category"] == "migrations" for r in on_path.structuredContent["rules"])
        rule = await session.call_tool("get_rule", {"rule_id": "deps-annotated"})
        assert not rule.isError
        assert rule.structuredContent["dont"] and rule.structuredContent["do"] and rule.structuredContent["fix"]
        assert "checked by" in rule.structuredContent["how_checked"]
        resources = (await session.list_resources()).resources
        uris = {str(r.uri) for r in resources}
        assert "bp-rules://rules/deps-annotated" in uris
        read = await session.read_resource("bp-rules://rules/deps-annotated")
        assert read.contents[0].text.startswith("deps-annotated")
        return True

    assert converse(root, script)


def test_checks_and_errors(tmp_path: Path) -> None:
    root = make_project(tmp_path / "demo")

    async def script(session: ClientSession):
        out = {}
        # a snippet checked as app/main.py: nothing is written, the rest of the project is the context
        bad = await session.call_tool("check_code", {"code": with_rates_route(fixed=False), "path": "app/main.py"})
        out["cross-file"] = rules_of(bad)
        assert (root / "app/main.py").read_text() != with_rates_route(fixed=False)
        good = await session.call_tool("check_code", {"code": with_rates_route(fixed=True), "path": "app/main.py"})
        out["fixed"] = rules_of(good)
        absolute = str(root / "app/new_module.py")
        new = await session.call_tool("check_code", {"code": with_quote_route(fixed=False), "path": absolute})
        out["new file"] = rules_of(new)
        out["files clean"] = rules_of(await session.call_tool("check_files", {"paths": ["app/main.py"]}))
        (root / "app/main.py").write_text(with_quote_route(fixed=False))
        out["files after write"] = rules_of(await session.call_tool("check_files", {"paths": ["app/main.py"]}))
        out["diff"] = rules_of(await session.call_tool("check_diff", {}))
        errors = {
            "outside": await session.call_tool("check_code", {"code": "x = 1\n", "path": "/etc/passwd.py"}),
            "escape": await session.call_tool("check_files", {"paths": ["../outside.py"]}),
            "missing": await session.call_tool("check_files", {"paths": ["app/nope.py"]}),
            "not python": await session.call_tool("check_code", {"code": "x", "path": "README.md"}),
            "wrong type": await session.call_tool("check_code", {"code": 3, "path": "app/main.py"}),
            "no argument": await session.call_tool("get_rule", {}),
            "unknown rule": await session.call_tool("get_rule", {"rule_id": "no-such-rule"}),
            "unknown category": await session.call_tool("list_rules", {"category": "nope"}),
            "bad ref": await session.call_tool("check_diff", {"base": "no-such-branch"}),
        }
        out["errors"] = {k: (r.isError, r.content[0].text) for k, r in errors.items()}
        # the server is still there after every error
        out["after errors"] = rules_of(await session.call_tool("check_files", {"paths": ["app/rates.py"]}))
        return out

    out = converse(root, script)
    assert out["cross-file"] == [
        ("async-sync-def-for-blocking-route", 17),
        ("async-no-blocking-io-in-async-route", 19),
    ]
    assert out["fixed"] == []
    assert ("async-no-blocking-io-in-async-route", 18) in out["new file"]
    assert out["files clean"] == []
    assert ("async-no-blocking-io-in-async-route", 18) in out["files after write"]
    assert ("async-no-blocking-io-in-async-route", 18) in out["diff"]
    for name, (is_error, text) in out["errors"].items():
        assert is_error, (name, text)
    assert "outside the project" in out["errors"]["outside"][1]
    assert "outside the project" in out["errors"]["escape"][1]
    assert "no such file" in out["errors"]["missing"][1]
    assert "no rule" in out["errors"]["unknown rule"][1]
    assert out["after errors"] == []


DEPENDS_DEFAULT = """\
from fastapi import APIRouter, Depends

router = APIRouter()


async def current_user() -> str:
    return "me"


@router.get("/me", summary="Who am I", response_model=str)
async def me(user: str = Depends(current_user)) -> str:
    \"\"\"The caller.\"\"\"
    return user
"""


def test_findings_carry_their_fix_and_fix_code_returns_the_fixed_code(tmp_path: Path) -> None:
    root = make_project(tmp_path / "demo")

    async def script(session: ClientSession):
        checked = await session.call_tool("check_code", {"code": DEPENDS_DEFAULT, "path": "app/me.py"})
        fixed = await session.call_tool("fix_code", {"code": DEPENDS_DEFAULT, "path": "app/me.py"})
        outside = await session.call_tool("fix_code", {"code": "x = 1\n", "path": "../elsewhere.py"})
        return checked.structuredContent, fixed, outside

    checked, fixed, outside = converse(root, script)
    (finding,) = [f for f in checked["findings"] if f["rule"] == "deps-annotated"]
    assert finding["autofix"]["applicability"] == "safe"
    assert any("Annotated[str, Depends(current_user)]" in e["content"] for e in finding["autofix"]["edits"])
    assert not fixed.isError
    result = fixed.structuredContent
    assert result["changed"] and result["applied"] == {"deps-annotated": 1}
    assert "async def me(user: Annotated[str, Depends(current_user)]) -> str:" in result["code"]
    assert result["code"].startswith("from typing import Annotated\n\nfrom fastapi import")
    assert not [f for f in result["remaining"]["findings"] if f["rule"] == "deps-annotated"]
    assert not (root / "app/me.py").exists()  # nothing written
    assert outside.isError and "outside the project" in outside.content[0].text


def test_nothing_but_the_protocol_on_stdout(tmp_path: Path) -> None:
    """Raw JSON-RPC over the pipes: every line the server writes to stdout is a JSON-RPC message."""
    import subprocess

    root = make_project(tmp_path / "demo", git=False)
    requests = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
            "name": "check_code", "arguments": {"code": "print('hi')\n", "path": "app/x.py"}}},
    ]  # fmt: skip
    server = subprocess.Popen(
        [*bp_rules_command(), "mcp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        text=True, cwd=root,
    )  # fmt: skip
    try:
        server.stdin.write("".join(json.dumps(r) + "\n" for r in requests))
        server.stdin.flush()
        messages = []
        while not any(m.get("id") == 2 for m in messages):
            line = server.stdout.readline()
            assert line, "the server closed stdout before answering"
            messages.append(json.loads(line))  # a line that is not JSON fails here
        server.stdin.close()
        assert server.wait(timeout=60) == 0
    finally:
        if server.poll() is None:
            server.kill()
    assert all(m.get("jsonrpc") == "2.0" for m in messages)
    answer = next(m for m in messages if m.get("id") == 2)
    assert answer["result"]["structuredContent"]["clean"] is True


def test_one_server_checks_each_path_with_its_own_project(tmp_path: Path) -> None:
    """A monorepo: one server at the repository root, two projects with a manifest each."""
    import subprocess

    tree = tmp_path / "mono"
    make_project(tree / "services/a", git=False)
    make_project(tree / "services/b", git=False)
    # b's helper of the same name reads a file the service ships with: it does not block on the network
    (tree / "services/b/app/rates.py").write_text(
        '"""Fixed rates."""\n\n\ndef load_rates(currency: str) -> dict[str, float]:\n'
        '    """The rates of one currency."""\n    return {currency: 1.0}\n'
    )
    subprocess.run(["git", "init", "-q", str(tree)], check=True)
    code = with_rates_route(fixed=False)

    async def script(session: ClientSession):
        a = await session.call_tool("check_code", {"code": code, "path": "services/a/app/main.py"})
        b = await session.call_tool("check_code", {"code": code, "path": str(tree / "services/b/app/main.py")})
        (tree / "services/a/app/main.py").write_text(code)
        (tree / "services/b/app/main.py").write_text(code)
        both = await session.call_tool("check_files", {"paths": ["services/a/app/main.py", "services/b/app/main.py"]})
        diff = await session.call_tool("check_diff", {})
        return a, b, both, diff

    a, b, both, diff = converse(tree, script)
    blocking = "async-no-blocking-io-in-async-route"
    assert [(f["rule"], f["path"]) for f in a.structuredContent["findings"] if f["rule"] == blocking] == [
        (blocking, "services/a/app/main.py")
    ]
    assert a.structuredContent["files_in_project"] == 3  # a's files only, not b's
    assert not [f for f in b.structuredContent["findings"] if f["rule"] == blocking]
    assert {(f["rule"], f["path"]) for f in both.structuredContent["findings"] if f["rule"] == blocking} == {
        (blocking, "services/a/app/main.py")
    }
    assert both.structuredContent["files_in_project"] == 6
    assert {f["path"] for f in diff.structuredContent["findings"]} >= {"services/a/app/main.py"}
    assert not diff.isError
