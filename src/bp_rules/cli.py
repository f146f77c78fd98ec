"""The `bp-rules` command line: thin wrappers over the pack, the validator and the exporters.

Exit codes follow ruff: 0 all good, 1 problems found, 2 usage or internal error.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import click

from bp_rules import __version__
from bp_rules.schema import schema_text
from bp_rules.schema.loader import Pack, PackError, load_dir, load_pack
from bp_rules.schema.models import Severity
from bp_rules.show import rule_text

RULES_DIR_OPTION = click.option(
    "--rules",
    "rule_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A directory of your own rule records (repeatable); a record with a built-in id replaces it.",
)


def _load(rule_dirs: tuple[Path, ...]) -> Pack:
    try:
        return load_pack(rule_dirs)
    except PackError as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        raise SystemExit(2) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, "--version", prog_name="bp-rules")
def cli() -> None:
    """FastAPI best practices as rule records: export them for coding agents, verify code against them.

    \b
    Examples:
      bp-rules verify src/                 check a tree
      bp-rules verify diff --staged        check only what a commit adds
      bp-rules export --target agents      write AGENTS.md
      bp-rules rules show deps-annotated   read one rule
    """


@cli.group()
def rules() -> None:
    """List, read and validate rule records.

    \b
    Examples:
      bp-rules rules list --category async
      bp-rules rules show async-no-blocking-io-in-async-route
      bp-rules rules validate my-rules/
    """


@rules.command("list")
@click.option("--category", help="Only this category (e.g. async, pydantic).")
@click.option("--severity", type=click.Choice([s.value for s in Severity]), help="Only this severity.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@RULES_DIR_OPTION
def rules_list(category: str | None, severity: str | None, fmt: str, rule_dirs: tuple[Path, ...]) -> None:
    """List the rules of the pack.

    \b
    Examples:
      bp-rules rules list
      bp-rules rules list --severity error --format json
    """
    pack = _load(rule_dirs)
    selected = [
        r
        for r in pack.sorted_rules()
        if (category is None or r.category == category) and (severity is None or r.severity == severity)
    ]
    if fmt == "json":
        payload = {
            "count": len(selected),
            "checked": sum(1 for r in selected if r.checked),
            "by_category": dict(sorted(Counter(r.category for r in selected).items())),
            "rules": [
                {
                    "id": r.id,
                    "category": r.category,
                    "severity": r.severity.value,
                    "scope": r.scope.value,
                    "checked": r.checked,
                    "check": r.check.kind if r.check else None,
                    "enabled_by_default": r.enabled_by_default,
                    "ruff": r.ruff,
                    "summary": r.summary,
                }
                for r in selected
            ],
        }
        click.echo(json.dumps(payload, indent=2))
        return
    width = max((len(r.id) for r in selected), default=10)
    for r in selected:
        mark = "checked" if r.checked else "guidance"
        opt = "" if r.enabled_by_default else " (opt-in)"
        click.echo(f"{r.id:<{width}}  {r.severity.value:<7}  {mark:<8}  {r.summary}{opt}")
    checked = sum(1 for r in selected if r.checked)
    click.echo(f"\n{len(selected)} rules, {checked} checked by `bp-rules verify`.", err=True)


@rules.command("show")
@click.argument("rule_id")
@RULES_DIR_OPTION
def rules_show(rule_id: str, rule_dirs: tuple[Path, ...]) -> None:
    """Show one rule: what to do, why, Don't and Do examples, how to fix, how it is checked.

    \b
    Example:
      bp-rules rules show deps-annotated
    """
    pack = _load(rule_dirs)
    rule = pack.rules.get(rule_id)
    if rule is None:
        close = [r for r in sorted(pack.rules) if rule_id in r]
        hint = f" Did you mean: {', '.join(close[:5])}?" if close else " See `bp-rules rules list`."
        raise click.UsageError(f"no rule {rule_id!r}.{hint}")
    click.echo(rule_text(rule, color=sys.stdout.isatty()))


@rules.command("validate")
@click.argument("dirs", nargs=-1, type=click.Path(path_type=Path))
def rules_validate(dirs: tuple[Path, ...]) -> None:
    """Lint rule packs: every problem with file:line, field and reason (exit 1 if any).

    With no DIR, validates the built-in pack.

    \b
    Examples:
      bp-rules rules validate my-rules/
    """
    from bp_rules.schema.loader import builtin_rules_dir

    targets = list(dirs) or [builtin_rules_dir()]
    total = 0
    problems = 0
    for directory in targets:
        found, _, _, errors = load_dir(directory)
        total += len(found)
        problems += len(errors)
        for error in errors:
            click.echo(str(error))
    if problems:
        click.echo(f"{problems} problem(s) found.", err=True)
        raise SystemExit(1)
    click.echo(f"{total} record(s) valid.", err=True)


@cli.command("schema")
@click.option("--matrix", is_flag=True, help="Print the schema of the version matrix instead.")
def schema_cmd(matrix: bool) -> None:
    """Print the JSON Schema of a rule record (for editors and custom packs).

    \b
    Example:
      bp-rules schema > rule.schema.json
    """
    click.echo(schema_text("matrix" if matrix else "rule"), nl=False)


def _register_optional_commands() -> None:
    from bp_rules.commands import register

    register(cli)


def main(argv: list[str] | None = None) -> int:
    _register_optional_commands()
    try:
        cli.main(args=argv, prog_name="bp-rules", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 2
    except click.ClickException as exc:
        exc.show()
        return 2
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except KeyboardInterrupt:
        return 2
    except Exception as exc:  # an internal error is exit 2 with a readable line, never a bare traceback
        click.echo(f"bp-rules: internal error: {type(exc).__name__}: {exc}", err=True)
        return 2
    return 0
