"""`bp-rules verify [PATH...]` and `bp-rules verify diff`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bp_rules.reporters import FORMATS
from bp_rules.schema.loader import PackError, load_pack
from bp_rules.schema.models import Severity
from bp_rules.validator.config import ConfigError, find_project_root, load_config
from bp_rules.validator.diff import GitError, changed_lines
from bp_rules.validator.engine import RunResult, run
from bp_rules.validator.files import PathError, collect


class _PathsByDefault(click.Group):
    """`verify src/` checks paths; `verify diff ...` is the subcommand. Anything else means paths."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        wants_paths = not args or args[0] not in self.commands or args[0] == "paths"
        if wants_paths and not any(a in ("-h", "--help") for a in args[:1]):
            args = ["paths", *args]
        return super().parse_args(ctx, args)


def _common(func):
    path_dir = click.Path(exists=True, file_okay=False, path_type=Path)
    options = [
        click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default="text", show_default=True,
                     help="Output format."),
        click.option("--fail-on", type=click.Choice([s.value for s in Severity]), default=None,
                     help="Exit 1 only for findings at or above this severity (default: any finding)."),
        click.option("--select", multiple=True, help="Only these rule ids or categories (repeatable)."),
        click.option("--ignore", multiple=True, help="Skip these rule ids or categories (repeatable)."),
        click.option("--rules", "rule_dirs", multiple=True, type=path_dir,
                     help="A directory of your own rule records (repeatable)."),
        click.option("--source-root", "source_roots", multiple=True,
                     help="Where domain packages live (default: src, app)."),
        click.option("--show-fixes", is_flag=True, help="Print each finding's fix under it (text format)."),
        click.option("--no-cache", is_flag=True, help="Neither read nor write .bp-rules-cache/."),
        click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None,
                     help="Worker processes (default: CPUs)."),
        click.option("--report-unused-noqa", is_flag=True,
                     help="Also report `# noqa: <id>` comments that silence nothing."),
        click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Write the report to a file instead of standard output."),
        click.option("--fix", is_flag=True, help="Apply safe fixes, then report what is left."),
        click.option("--unsafe-fixes", is_flag=True, help="With --fix or --diff: apply unsafe fixes too."),
        click.option("--diff", "show_diff", is_flag=True,
                     help="Print the fixes as a diff without writing them (exit 1 when there would be one)."),
    ]  # fmt: skip
    for option in reversed(options):
        func = option(func)
    return func


@click.group(cls=_PathsByDefault, invoke_without_command=False)
def verify() -> None:
    """Check code against the rules (exit 0 clean, 1 findings, 2 error).

    \b
    Examples:
      bp-rules verify src/
      bp-rules verify --format json src/ tests/
      bp-rules verify diff                  working tree + untracked files vs HEAD
      bp-rules verify diff --staged         what `git commit` would record (pre-commit)
      bp-rules verify diff --base main      everything since the merge-base with main (CI)
      bp-rules verify diff HEAD~3..HEAD     an explicit range
    """


@verify.command("paths", hidden=True)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@_common
def verify_paths(paths: tuple[Path, ...], **options) -> None:
    """Check files and directories (default: the current directory)."""
    targets = list(paths) or [Path(".")]
    _execute(targets, change=None, **options)


@verify.command("diff")
@click.argument("revs", required=False)
@click.option("--staged", is_flag=True, help="Check what is staged in the index.")
@click.option("--base", metavar="REF", help="Check everything since the merge-base with REF.")
@_common
def verify_diff(revs: str | None, staged: bool, base: str | None, **options) -> None:
    """Report only findings on lines a change adds or modifies.

    Cross-file checks still read the whole project, so a changed route that now calls a blocking helper is
    reported even though the helper did not change.

    \b
    Examples:
      bp-rules verify diff
      bp-rules verify diff --staged
      bp-rules verify diff --base origin/main --format github
    """
    if sum(bool(x) for x in (revs, staged, base)) > 1:
        raise click.UsageError("use one of REVS, --staged or --base")
    try:
        change = changed_lines(Path.cwd(), staged=staged, base=base, revs=revs)
    except GitError as exc:
        raise click.ClickException(f"git: {exc}") from None
    _execute([change.root], change=change, **options)


def _execute(targets, *, change, fmt, fail_on, select, ignore, rule_dirs, source_roots, show_fixes, no_cache,
             jobs, report_unused_noqa, output, fix, unsafe_fixes, show_diff) -> None:  # fmt: skip
    if unsafe_fixes and not (fix or show_diff):
        raise click.UsageError("--unsafe-fixes goes with --fix or --diff")
    root = change.root if change is not None else find_project_root(targets[0])
    try:
        config = load_config(root)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    config = config.with_overrides(
        select=_split(select),
        ignore=config.ignore + _split(ignore),  # --ignore adds to the configured list, --select replaces it
        source_roots=_split(source_roots),
        fail_on=fail_on,
    )
    for warning in config.warnings:
        click.echo(f"bp-rules: warning: {warning}", err=True)
    try:
        pack = load_pack([*map(Path, (root / d for d in config.rules)), *rule_dirs])
    except PackError as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        raise SystemExit(2) from None
    try:
        files = collect(targets, config)
    except PathError as exc:
        raise click.ClickException(str(exc)) from None
    progress = _progress_bar() if sys.stderr.isatty() and fmt == "text" else None
    if fix or show_diff:
        result, change = _fix(pack, config, files, root, change, unsafe_fixes, show_diff, jobs, not no_cache)
    else:
        result = run(pack, config, files, jobs=jobs, use_cache=not no_cache, progress=progress)
    if progress:
        click.echo("\r\033[K", nl=False, err=True)
    findings = result.findings
    if report_unused_noqa:
        findings = sorted([*findings, *result.unused_noqa])
    if change is not None:
        findings = [f for f in findings if _in_change(f, change, files)]
    fixes = {}
    if fmt in ("json", "sarif"):
        from bp_rules.fixes.describe import finding_fixes

        fixes = finding_fixes(root, findings, pack)
    shown = {f: _relative_to_cwd(f, root) for f in findings}
    fixes = {shown[f]: fix for f, fix in fixes.items()}
    findings = list(shown.values())
    color = fmt == "text" and output is None and sys.stdout.isatty()
    text = FORMATS[fmt].render(findings, pack=pack, color=color, show_fixes=show_fixes, files=result.files,
                               fixes=fixes)  # fmt: skip
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    threshold = Severity(config.fail_on).rank if config.fail_on else 0
    if any(Severity(f.severity).rank >= threshold for f in findings):
        raise SystemExit(1)


def _fix(pack, config, files, root, change, unsafe, show_diff, jobs, use_cache):
    """`--fix` / `--diff`: the findings left after fixing, and the change's lines moved along with the fixes."""
    from bp_rules.fixes.session import fix_project, write_fixed

    outcome = fix_project(pack, config, files, unsafe=unsafe, change=change, jobs=jobs, use_cache=use_cache)
    counts = ", ".join(f"{rule} {n}" for rule, n in sorted(outcome.applied.items()))
    total = sum(outcome.applied.values())
    if show_diff:
        click.echo(outcome.diff(), nl=False)
        if total:
            click.echo(f"bp-rules: would fix {total} finding(s) in {len(outcome.fixed)} file(s): {counts}", err=True)
        raise SystemExit(1 if outcome.fixed else 0)
    written, skipped = write_fixed(root, outcome)
    for path in skipped:
        click.echo(f"bp-rules: {path} changed on disk while it was being fixed; left alone", err=True)
    if total:
        click.echo(f"bp-rules: fixed {total} finding(s) in {len(written)} file(s): {counts}", err=True)
    if skipped:  # report on what is on disk, not on fixes that were not written
        return run(pack, config, files, jobs=jobs, use_cache=use_cache), change
    return outcome.result, outcome.change


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    """`--select a,b --select c` -> (a, b, c)."""
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def _in_change(finding, change, files) -> bool:
    if finding.path in files.project:
        return finding.path in change.lines  # a project-file finding shows when that file changed
    return change.touches(finding.path, finding.line)


def _relative_to_cwd(finding, root: Path):
    from dataclasses import replace
    from os.path import relpath

    absolute = root / finding.path
    try:
        shown = Path(relpath(absolute, Path.cwd())).as_posix()
    except ValueError:
        shown = absolute.as_posix()
    return replace(finding, path=shown)


def _progress_bar():
    def update(done: int, total: int) -> None:
        if total < 50:
            return
        width = 30
        filled = width * done // total
        click.echo(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} files", nl=False, err=True)

    return update


__all__ = ["RunResult", "verify"]
