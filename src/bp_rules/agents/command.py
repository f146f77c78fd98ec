"""`bp-rules export`: render the selected rules for coding agents and write them without clobbering."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import click

from bp_rules.agents import TARGETS, resolve
from bp_rules.agents.content import DETAILS, Options, select
from bp_rules.agents.layout import Layout
from bp_rules.agents.loads import total
from bp_rules.agents.settings import SettingsError, load_export_settings
from bp_rules.agents.target import LOAD_WHY, Target
from bp_rules.agents.wiring import WIRES, plan_wiring
from bp_rules.agents.writer import Change, ExportError, Output, apply, plan, unified_diff
from bp_rules.pack_option import RULES_DIR_OPTION, load_pack_or_exit
from bp_rules.schema.models import Severity


@dataclass(frozen=True)
class Overrun:
    path: str
    size: int
    limit: int
    unit: str
    why: str

    def __str__(self) -> str:
        return f"{self.path}: {self.size:,} {self.unit}, over the {self.limit:,} {self.unit} budget ({self.why})"


def collect(
    targets: list[Target], options: Options, pack, layout: Layout | None = None
) -> tuple[dict[str, Output], list[tuple[str, str]]]:
    """Every output of the targets, and the directories (with globs) whose stale owned files go."""
    outputs, owned, _ = collect_by_target(targets, options, pack, layout)
    return outputs, owned


def collect_by_target(
    targets: list[Target], options: Options, pack, layout: Layout | None = None
) -> tuple[dict[str, Output], list[tuple[str, str]], dict[str, dict[str, str]]]:
    """`collect`, plus each target's own files."""
    selection = select(pack, options, layout)
    outputs: dict[str, Output] = {}
    owned: list[tuple[str, str]] = []
    rendered: dict[str, dict[str, str]] = {}
    for target in targets:
        rendered[target.name] = target.render(selection)
        for path, text in rendered[target.name].items():
            output = Output(text, path in target.managed)
            if path in outputs and outputs[path] != output:
                raise ExportError([f"{path}: two targets render it differently"])
            outputs[path] = output
        owned += target.owned
    return outputs, owned, rendered


def load_overruns(targets: list[Target], rendered: dict[str, dict[str, str]], layout: Layout) -> list[Overrun]:
    """Requests that would load more than the target's limit: one per target and sample edit."""
    found = []
    for target in targets:
        if target.load_limit is None:
            continue
        files = rendered[target.name]
        for kind, edited in layout.samples().items():
            size = total(target, files, edited)
            if size > target.load_limit:
                where = f"{target.name}, editing {edited} ({kind})"
                found.append(Overrun(where, size, target.load_limit, "bytes", LOAD_WHY))
    return found


def overruns(targets: list[Target], changes: list[Change]) -> list[Overrun]:
    found = []
    for change in changes:
        if change.new is None:
            continue
        for target in targets:
            for budget in target.budgets:
                if budget.matches(change.path):
                    size = budget.measure(change.new)
                    if size > budget.limit:
                        found.append(Overrun(change.path, size, budget.limit, budget.unit, budget.why))
    return sorted(set(found), key=lambda o: o.path)


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


@click.command("export")
@click.option(
    "--target",
    "-t",
    "target_names",
    multiple=True,
    type=click.Choice([*TARGETS, "all"]),
    help="What to write (repeatable): " + ", ".join(TARGETS) + ", or all. Default: [tool.bp-rules.export] targets.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The project root to write into.",
)
@click.option(
    "--select",
    "select_",
    multiple=True,
    help="Only these rule ids or categories (comma-separated or repeated).",
)
@click.option("--ignore", multiple=True, help="Leave out these rule ids or categories.")
@click.option("--min-severity", type=click.Choice([s.value for s in Severity]), help="Leave out less severe rules.")
@RULES_DIR_OPTION
@click.option(
    "--detail",
    type=click.Choice(DETAILS),
    default=None,
    help=(
        "AGENTS.md (and .junie/AGENTS.md): compact fits Codex's 32 KiB read, with a Don't/Do excerpt per rule; "
        "full renders every rule with its complete examples (for agents without that limit). "
        "Default: [tool.bp-rules.export] detail, else compact."
    ),
)
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
@click.option("--check", is_flag=True, help="Exit 1 and print a diff when any file differs from what export writes.")
@click.option(
    "--budget",
    type=click.Choice(["warn", "strict"]),
    default=None,
    help="Over an agent's size budget: warn on stderr, or fail with exit 1. Default: [tool.bp-rules.export] "
    "budget, else warn.",
)
@click.option(
    "--wire",
    type=click.Choice([*WIRES, "all"]),
    multiple=True,
    help="Also write the agents' hook and/or MCP server entries into their JSON settings files "
    "(claude, cursor, copilot, gemini, and agents for Codex); only bp-rules' own entries are touched. "
    "Default: [tool.bp-rules.export] wire.",
)
@click.option(
    "--wire-command",
    default=None,
    help="How the agents start bp-rules in the wired entries (e.g. .venv/bin/bp-rules, or uv run bp-rules). "
    "Default: [tool.bp-rules.export] wire-command, else bp-rules.",
)
def export(
    target_names: tuple[str, ...],
    out: Path,
    select_: tuple[str, ...],
    ignore: tuple[str, ...],
    min_severity: str | None,
    rule_dirs: tuple[Path, ...],
    detail: str | None,
    dry_run: bool,
    check: bool,
    budget: str | None,
    wire: tuple[str, ...],
    wire_command: str | None,
) -> None:
    """Write the rules as instruction files for coding agents.

    Single files (AGENTS.md, CLAUDE.md, GEMINI.md, .github/copilot-instructions.md, .junie/AGENTS.md) get a
    managed block between `<!-- bp-rules:begin -->` and `<!-- bp-rules:end -->` markers; the rest of the
    file is yours and kept byte for byte. Files in rule directories (.cursor/rules, .windsurf/rules, ...)
    are owned only when they carry the bp-rules header; stale ones are deleted, others never touched.

    Opt-in rules are left out unless named in --select (as in `bp-rules verify`); AGENTS.md lists them.

    AGENTS.md (and .junie/AGENTS.md) is compact by default so that it fits the 32 KiB Codex reads: each rule
    with its id, severity, summary and one Don't/Do excerpt of its examples (info excerpts go first when
    that is still too long). `--detail full` writes every rule in full.

    \b
    Examples:
      bp-rules export --target agents
      bp-rules export -t cursor -t copilot --min-severity warning
      bp-rules export --target all --check          in CI: exit 1 when the files drifted
      bp-rules export --target agents --detail full  every rule in full in AGENTS.md
    """
    from bp_rules.selection import SelectionError, check_config, check_names, check_not_empty
    from bp_rules.validator.config import ConfigError, load_config

    if check and dry_run:
        raise click.UsageError("--check and --dry-run exclude each other: --check already writes nothing")
    if out.exists() and not out.is_dir():
        raise click.UsageError(f"--out {out} is not a directory")
    try:
        config = load_config(out)
        settings = load_export_settings(out, tuple(TARGETS))
    except (ConfigError, SettingsError) as exc:
        raise click.UsageError(str(exc)) from None
    for warning in (*config.warnings, *settings.warnings):
        click.echo(f"bp-rules: warning: {warning}", err=True)
    target_names = target_names or settings.targets
    if not target_names:
        raise click.UsageError("name a --target, or list targets in [tool.bp-rules.export] targets")
    pack = load_pack_or_exit(rule_dirs or tuple(out / d for d in config.rules))
    selected, ignored = _split(select_) or config.select, _split(ignore) or config.ignore
    try:
        check_config(pack, config)
        check_names(pack, _split(select_), "--select")
        check_names(pack, _split(ignore), "--ignore")
    except SelectionError as exc:
        raise click.UsageError(str(exc)) from None
    detail = detail or settings.detail or "compact"
    budget = budget or settings.budget or "warn"
    options = Options(
        selected,
        ignored,
        Severity(min_severity) if min_severity else None,
        "full" if detail == "full" else "compact",
        tuple(sorted(config.severity.items())),
    )
    try:
        check_not_empty(select(pack, options).rules, "this selection (--select, --ignore, --min-severity)")
    except SelectionError as exc:
        raise click.UsageError(str(exc)) from None
    layout = Layout.of(config)
    targets = resolve(target_names)
    added = sorted({t.name for t in targets} - set(target_names) - ({"all"} & set(target_names) and set(TARGETS)))
    if added:
        click.echo(f"bp-rules: also writing {', '.join(added)} (imported by the targets asked for).", err=True)
    try:
        outputs, owned, rendered = collect_by_target(targets, options, pack, layout)
        changes = plan(out, outputs, owned)
        wire = wire or settings.wire
        if wire:
            wires = WIRES if "all" in wire else wire
            command = wire_command or settings.wire_command or "bp-rules"
            wired, notes = plan_wiring(out, [t.name for t in targets], wires, command)
            changes = sorted([*changes, *wired], key=lambda c: c.path)
            for note in notes:
                click.echo(f"bp-rules: note: {note}", err=True)
    except ExportError as exc:
        for problem in exc.problems:
            click.echo(f"bp-rules: {problem}", err=True)
        raise SystemExit(2) from None
    pending = [c for c in changes if c.action != "unchanged"]
    over = overruns(targets, changes) + load_overruns(targets, rendered, layout)
    for overrun in over:
        click.echo(f"bp-rules: {'error' if budget == 'strict' else 'warning'}: {overrun}", err=True)
    if check:
        if pending:
            sys.stdout.write(unified_diff(pending))
            click.echo(
                f"bp-rules: {len(pending)} file(s) out of date; run `bp-rules export` with the same options.",
                err=True,
            )
            raise SystemExit(1)
        if over and budget == "strict":
            raise SystemExit(1)
        click.echo(f"bp-rules: {len(changes)} file(s) up to date.", err=True)
        return
    if over and budget == "strict":
        click.echo("bp-rules: nothing written (--budget strict).", err=True)
        raise SystemExit(1)
    if dry_run:
        for change in pending:
            click.echo(f"would {change.action} {change.path}")
        click.echo(
            f"bp-rules: {len(pending)} file(s) would change, {len(changes) - len(pending)} unchanged.",
            err=True,
        )
        return
    out.mkdir(parents=True, exist_ok=True)
    try:
        apply(out, pending)
    except ExportError as exc:
        for problem in exc.problems:
            click.echo(f"bp-rules: {problem}", err=True)
        raise SystemExit(2) from None
    for change in pending:
        click.echo(f"{change.action}d {change.path}" if change.action != "delete" else f"deleted {change.path}")
    click.echo(f"bp-rules: {len(pending)} file(s) changed, {len(changes) - len(pending)} unchanged.", err=True)
