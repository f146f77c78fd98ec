"""The `bp-rules` command line: thin wrappers over the pack, the validator and the exporters.

Exit codes follow ruff: 0 all good, 1 problems found, 2 usage or internal error. A command imports what it
needs when it runs: `bp-rules --version` loads neither pydantic nor libcst.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections import Counter
from pathlib import Path

import click

from bp_rules import __version__
from bp_rules.pack_option import RULES_DIR_OPTION, load_pack_or_exit

SEVERITIES = ("error", "warning", "info")


class _LazyGroup(click.Group):
    """Commands whose modules are heavy (the validator, the exporters) are imported only when used."""

    lazy = {
        "verify": "bp_rules.validator.command:verify",
        "export": "bp_rules.agents.command:export",
        "mcp": "bp_rules.mcp_server:mcp_command",
        "hook": "bp_rules.hooks:hook",
        "explain": "bp_rules.validator.explain:explain_command",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy and name not in self.commands:
            module, _, attr = self.lazy[name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attr), name)
        return super().get_command(ctx, name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
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
    """List, read, validate and start rule records.

    \b
    Examples:
      bp-rules rules list --category async
      bp-rules rules show async-no-blocking-io-in-async-route
      bp-rules rules validate my-rules/
      bp-rules rules new db-no-raw-sql-in-routes
    """


@rules.command("list")
@click.option("--category", help="Only this category (e.g. async, pydantic).")
@click.option("--severity", type=click.Choice(SEVERITIES), help="Only this severity.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@RULES_DIR_OPTION
def rules_list(category: str | None, severity: str | None, fmt: str, rule_dirs: tuple[Path, ...]) -> None:
    """List the rules of the pack.

    \b
    Examples:
      bp-rules rules list
      bp-rules rules list --severity error --format json
    """
    from bp_rules.selection import SelectionError, check_category

    pack = load_pack_or_exit(rule_dirs)
    if category is not None:
        try:
            check_category(pack, category)
        except SelectionError as exc:
            raise click.UsageError(str(exc)) from None
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
    from bp_rules.selection import suggest
    from bp_rules.show import rule_text

    pack = load_pack_or_exit(rule_dirs)
    rule = pack.rules.get(rule_id)
    if rule is None:
        close = suggest(rule_id, pack.rules)
        hint = f" Did you mean: {', '.join(close)}?" if close else " See `bp-rules rules list`."
        raise click.UsageError(f"no rule {rule_id!r}.{hint}")
    click.echo(rule_text(rule, color=sys.stdout.isatty()))


@rules.command("validate")
@click.argument("dirs", nargs=-1, type=click.Path(path_type=Path))
def rules_validate(dirs: tuple[Path, ...]) -> None:
    """Lint rule packs: every problem with file:line, field and reason (exit 1 if any).

    Checks each record's shape, then runs its examples through the validator: every Don't example must fire
    its rule at its marked `lines`, every Do example must be clean under every rule of its pack. With no DIR,
    checks the shape of the built-in pack's records (bp-rules' own tests run their examples).

    \b
    Examples:
      bp-rules rules validate my-rules/
      bp-rules rules validate                 the built-in pack
    """
    from bp_rules.schema.loader import PackError, builtin_rules_dir, load_dir, load_pack, record_files

    targets = list(dirs) or [builtin_rules_dir()]
    for directory in targets:
        if not directory.is_dir():
            raise click.UsageError(f"{directory}: no such directory")
    total = 0
    problems = []
    for directory in targets:
        found, _, _, errors = load_dir(directory)
        total += len(found)
        problems += errors
        if not record_files(directory):
            problems.append(f"{directory}: no rule records (*.yaml) in this directory")
        elif dirs and not errors and found:
            from bp_rules.validator.examples import example_problems

            try:
                # its own pack: a new built-in rule must not break the validation of a pack written before it
                pack = load_pack([directory], builtin=False)
            except PackError as exc:
                problems += exc.errors
                continue
            problems += example_problems(pack, [pack.rules[rule_id] for rule_id in sorted(found)])
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problem(s) found.", err=True)
        raise SystemExit(1)
    examples = "; their examples fire as marked" if dirs else ""
    click.echo(f"{total} record(s) valid{examples}.", err=True)


@rules.command("new")
@click.argument("rule_id")
@click.option("--category", help="The rule's category (default: the id's first segment); the id must start with it.")
def rules_new(rule_id: str, category: str | None) -> None:
    """Start a new built-in rule: its record, with one Don't and one Do to fill in, and its check module.

    Exit 2 for an unknown category, an id that exists already or one that does not start with its category.

    \b
    Examples:
      bp-rules rules new db-no-raw-sql-in-routes
      bp-rules rules new pydantic-strict-ids --category pydantic
    """
    from bp_rules.scaffold import ScaffoldError, new_rule

    try:
        done = new_rule(rule_id, category)
    except ScaffoldError as exc:
        click.echo(f"bp-rules: {exc}", err=True)
        raise SystemExit(2) from None
    for path in done.written:
        click.echo(f"created {path}")
    click.echo(
        "Fill in the TODOs: the Don't example must fire at its `lines`, the Do example must stay clean. Then "
        "regenerate the rule pages (`bp-rules rules docs --out docs/rules`).",
        err=True,
    )


@rules.command("docs")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The directory to write the pages into (docs/rules in the bp-rules repository).",
)
@click.option("--check", is_flag=True, help="Exit 1 and print a diff when a page differs from what would be written.")
@RULES_DIR_OPTION
def rules_docs(out: Path, check: bool, rule_dirs: tuple[Path, ...]) -> None:
    """Write one Markdown page per rule (what it does, why, Don't, Do, fix, options, how it is checked,
    references) and an index, README.md.

    \b
    Examples:
      bp-rules rules docs --out docs/rules
      bp-rules rules docs --out docs/rules --check     in CI: exit 1 when a page drifted
    """
    from bp_rules.agents.writer import ExportError, apply, unified_diff
    from bp_rules.rule_pages import changes

    pack = load_pack_or_exit(rule_dirs)
    try:
        planned = [c for c in changes(out, pack.sorted_rules()) if c.action != "unchanged"]
        if check:
            if planned:
                sys.stdout.write(unified_diff(planned))
                click.echo(
                    f"bp-rules: {len(planned)} page(s) out of date; run `bp-rules rules docs --out {out}`.", err=True
                )
                raise SystemExit(1)
            click.echo("bp-rules: rule pages up to date.", err=True)
            return
        out.mkdir(parents=True, exist_ok=True)
        apply(out, planned)
    except ExportError as exc:
        for problem in exc.problems:
            click.echo(f"bp-rules: {problem}", err=True)
        raise SystemExit(2) from None
    click.echo(f"bp-rules: {len(planned)} page(s) changed in {out}.", err=True)


@cli.command("schema")
@click.option("--matrix", is_flag=True, help="Print the schema of the version matrix instead.")
def schema_cmd(matrix: bool) -> None:
    """Print the JSON Schema of a rule record (for editors and custom packs).

    \b
    Example:
      bp-rules schema > rule.schema.json
    """
    from bp_rules.schema import schema_text

    click.echo(schema_text("matrix" if matrix else "rule"), nl=False)


def main(argv: list[str] | None = None) -> int:
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
