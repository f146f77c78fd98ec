"""Exporters: the rule records rendered as instruction files for coding agents, one module per target."""

from __future__ import annotations

from bp_rules.agents import agents_md, claude, cline, copilot, cursor, gemini, junie, kiro, skill, windsurf
from bp_rules.agents.target import Budget, Target

TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        agents_md.TARGET,
        cursor.TARGET,
        copilot.TARGET,
        claude.TARGET,
        windsurf.TARGET,
        cline.TARGET,
        gemini.TARGET,
        kiro.TARGET,
        junie.TARGET,
        skill.TARGET,
    )
}


def resolve(names: list[str] | tuple[str, ...]) -> list[Target]:
    """The targets named (`all` = every one), with the targets they require, in registry order."""
    wanted = set(TARGETS) if "all" in names else set(names)
    for name in list(wanted):
        wanted.update(TARGETS[name].requires)
    return [t for name, t in TARGETS.items() if name in wanted]


__all__ = ["TARGETS", "Budget", "Target", "resolve"]
