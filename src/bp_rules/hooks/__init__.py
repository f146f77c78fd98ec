"""Agent hooks: check each edit as the agent makes it, and answer in that agent's protocol."""

from __future__ import annotations

import sys

import click

from bp_rules.hooks.protocols import PROTOCOLS


@click.command("hook")
@click.argument("agent", type=click.Choice(sorted(PROTOCOLS)))
@click.option("--stop", is_flag=True, help="The agent is ending its turn: check every line it changed.")
def hook(agent: str, stop: bool) -> None:
    """Read an agent's hook payload on stdin, check the edited files, answer on stdout.

    Silent when clean; findings come back in the agent's own protocol (Claude Code and Codex:
    `decision: "block"` with the findings as the reason; Cursor: `additional_context`; Copilot:
    `additionalContext`; Gemini CLI: `hookSpecificOutput.additionalContext`). Always exits 0: a payload it
    does not understand is a note on stderr, never a blocked agent.

    \b
    Examples (what the agents' settings files run; `bp-rules export --wire hooks` writes them):
      bp-rules hook claude           PostToolUse, matcher Edit|Write
      bp-rules hook claude --stop    Stop: everything changed since the last commit
      bp-rules hook cursor           postToolUse, matcher Write
    """
    from bp_rules.hooks.run import handle

    try:
        outcome = handle(agent, sys.stdin.read(), stop=stop)
    except Exception as exc:  # a hook must never stand in the agent's way
        click.echo(f"bp-rules hook {agent}: internal error: {type(exc).__name__}: {exc}", err=True)
        return
    if outcome.stderr:
        click.echo(outcome.stderr, nl=False, err=True)
    if outcome.stdout:
        click.echo(outcome.stdout, nl=False)
