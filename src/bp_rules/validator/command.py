"""`bp-rules verify [PATH...]` and `bp-rules verify diff`."""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass, field, replace
from os.path import relpath
from pathlib import Path

import click

from bp_rules.reporters import FORMATS, statistics
from bp_rules.schema.loader import PackError, load_pack
from bp_rules.schema.models import Severity
from bp_rules.selection import SelectionError, check_config, check_names, check_not_empty
from bp_rules.validator.config import DEFAULT_FAIL_ON, ConfigError, load_config
from bp_rules.validator.diff import Change, GitError, changed_lines, staged_tree
from bp_rules.validator.engine import RunResult, run, selected_rules
from bp_rules.validator.files import PathError, collect, is_project_file
from bp_rules.validator.workspace import ProjectPlan, localized, plan


def _common(func):
    path_dir = click.Path(exists=True, file_okay=False, path_type=Path)
    options = [
        click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default="text", show_default=True,
                     help="Output format."),
        click.option("--fail-on", type=click.Choice([s.value for s in Severity]), default=None,
                     help=f"Exit 1 for findings at or above this severity (default: {DEFAULT_FAIL_ON}; info "
                          "findings are shown but do not fail a run unless this is `info`)."),
        click.option("--select", multiple=True,
                     help="Only these rule ids or categories (comma-separated or repeated; `all` = every enabled "
                          "rule). An unknown name is an error."),
        click.option("--ignore", multiple=True,
                     help="Skip these rule ids or categories (comma-separated or repeated)."),
        click.option("--rules", "rule_dirs", multiple=True, type=path_dir,
                     help="A directory of your own rule records (repeatable)."),
        click.option("--source-root", "source_roots", multiple=True,
                     help="Where domain packages live (default: src, app)."),
        click.option("--statistics", "show_statistics", is_flag=True,
                     help="Print how many findings each rule has, most frequent first, instead of the findings."),
        click.option("--add-noqa", is_flag=True,
                     help="Write `# noqa: <id>` on the line of every current finding (merging with existing "
                          "comments), so that only new code is held to the rules."),
        click.option("--show-fixes", is_flag=True, help="Print each finding's fix under it (text format)."),
        click.option("--no-cache", is_flag=True, help="Neither read nor write .bp-rules-cache/."),
        click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None,
                     help="Worker processes (default: CPUs)."),
        click.option("--report-unused-noqa", is_flag=True,
                     help="Also report `# noqa: <id>` comments that silence nothing or name no rule."),
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


class _VerifyCommand(click.Command):
    """`bp-rules verify [PATHS]` takes its options directly; `bp-rules verify diff ...` hands over to the diff
    command, under the name `bp-rules verify diff` (its usage line and errors say so)."""

    def make_context(self, info_name, args, parent=None, **extra):
        if args and args[0] == "diff":
            # a bare command as the parent: its usage pieces would otherwise read `verify [PATHS]... diff`
            outer = click.Context(click.Command(self.name), info_name=info_name, parent=parent)
            return verify_diff.make_context("diff", list(args[1:]), parent=outer, **extra)
        return super().make_context(info_name, args, parent=parent, **extra)


@click.command("verify", cls=_VerifyCommand)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@_common
def verify(paths: tuple[Path, ...], **options) -> None:
    """Check code against the rules (exit 0 clean, 1 findings, 2 error).

    Reports the files and directories given (default: the current directory); the rest of the project is
    still read, so cross-file checks see the whole of it. `bp-rules verify diff --help` shows how to check
    only the lines a change adds.

    \b
    Examples:
      bp-rules verify                       the project around the current directory
      bp-rules verify src/ tests/
      bp-rules verify app/api/routes/items.py
      bp-rules verify --select async,deps --statistics
      bp-rules verify --format sarif -o bp-rules.sarif
      bp-rules verify --fix                 apply the safe fixes, then report what is left
      bp-rules verify --add-noqa            adopt on an existing codebase: suppress what is there today
      bp-rules verify diff                  working tree + untracked files vs HEAD
      bp-rules verify diff --staged         what `git commit` would record (pre-commit)
      bp-rules verify diff --base main      everything since the merge-base with main (CI)
    """
    targets = list(paths) or [Path(".")]
    for given in targets:
        if not given.exists():
            raise click.ClickException(f"{given}: no such file or directory")
    _execute(targets, change=None, **options)


@click.command("diff")
@click.argument("args", nargs=-1, metavar="[REVS] [PATHS]...")
@click.option("--staged", is_flag=True, help="Check the staged content (the index), as `git commit` records it.")
@click.option("--base", metavar="REF", help="Check everything since the merge-base with REF.")
@_common
def verify_diff(args: tuple[str, ...], staged: bool, base: str | None, **options) -> None:
    """Report only findings on lines a change adds or modifies.

    REVS is a revision (`HEAD~1`, compared with the working tree) or a range (`A..B`, `A...B`). PATHS limit
    the report to those files or directories. Cross-file checks still read the whole project, so a changed
    route that now calls a blocking helper is reported even though the helper did not change. With
    --staged, every file is read as it is staged, not as it is in the working tree.

    \b
    Examples:
      bp-rules verify diff
      bp-rules verify diff --staged
      bp-rules verify diff --base origin/main --format github
      bp-rules verify diff HEAD~3..HEAD backend/
    """
    revs, paths = _revs_and_paths(args)
    if sum(bool(x) for x in (revs, staged, base)) > 1:
        raise click.UsageError("use one of REVS, --staged or --base")
    try:
        change = changed_lines(Path.cwd(), staged=staged, base=base, revs=revs)
    except GitError as exc:
        raise click.ClickException(f"git: {exc}") from None
    targets = paths or [change.root]
    if not staged:
        _execute(targets, change=change, **options)
        return
    with tempfile.TemporaryDirectory(prefix="bp-rules-staged-") as tmp:
        tree = Path(tmp).resolve()
        try:
            staged_tree(change.root, tree, _readable)
        except GitError as exc:
            raise click.ClickException(f"git: {exc}") from None
        _execute(targets, change=change, staged_copy=Mirror(change.root.resolve(), tree), **options)


def _revs_and_paths(args: tuple[str, ...]) -> tuple[str | None, list[Path]]:
    """Like `git diff [REVS] [PATHS]`: an argument naming an existing file or directory is a path; the first
    one that does not may be a revision or range; anything else is an error, never a silent pathspec."""
    revs: str | None = None
    paths: list[Path] = []
    for position, arg in enumerate(args):
        if Path(arg).exists():
            paths.append(Path(arg))
        elif position == 0:
            revs = arg
        else:
            raise click.UsageError(f"{arg}: no such file or directory (REVS, if any, comes first)")
    return revs, paths


def _readable(rel: str) -> bool:
    """What a run reads from the staged tree: Python sources and the files that describe the project."""
    return rel.endswith((".py", ".pyi")) or is_project_file(rel) or rel == ".gitignore"


@dataclass(frozen=True)
class Mirror:
    """A copy of the repository at `real` laid out in `tree` (the staged content): what is read comes from the
    copy; what is shown, cached or written names the real files."""

    real: Path
    tree: Path

    def to_tree(self, path: Path) -> Path:
        return self.tree / path.resolve().relative_to(self.real)

    def to_real(self, path: Path) -> Path:
        return self.real / path.relative_to(self.tree)


@dataclass
class _Report:
    findings: list = field(default_factory=list)  # (finding as shown, the exit threshold of its project)
    fixes: dict = field(default_factory=dict)
    files: int = 0
    in_scope: bool = False
    fail_on: str = DEFAULT_FAIL_ON
    pack: object = None
    noqa_added: int = 0  # --add-noqa: suppressions written, files changed, findings left with the reason
    noqa_files: int = 0
    noqa_left: list = field(default_factory=list)


def _execute(targets: list[Path], *, change, fmt, fail_on, select, ignore, rule_dirs, source_roots,
             show_statistics, add_noqa, show_fixes, no_cache, jobs, report_unused_noqa, output, fix, unsafe_fixes,
             show_diff, staged_copy: Mirror | None = None) -> None:  # fmt: skip
    """Check every project the targets belong to or contain, each read whole for cross-file context, and report
    the findings under the targets (read from `staged_copy` when checking what is staged)."""
    if unsafe_fixes and not (fix or show_diff):
        raise click.UsageError("--unsafe-fixes goes with --fix or --diff")
    if (fix or show_diff) and staged_copy is not None:
        raise click.UsageError("--fix and --diff change the working tree; with --staged, fix and stage again")
    if show_statistics and fmt not in ("text", "json"):
        raise click.UsageError("--statistics prints text or json")
    if add_noqa and (change is not None or show_statistics or fix or show_diff):
        raise click.UsageError("--add-noqa works on paths (`bp-rules verify --add-noqa [PATHS]`), alone")
    try:
        projects = plan([staged_copy.to_tree(t) if staged_copy else t for t in targets])
    except (PathError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    report = _Report()
    options = {
        "change": change,
        "fail_on": fail_on,
        "select": _split(select),
        "ignore": _split(ignore),
        "rule_dirs": rule_dirs,
        "source_roots": _split(source_roots),
        "add_noqa": add_noqa,
        "no_cache": no_cache,
        "jobs": jobs,
        "report_unused_noqa": report_unused_noqa,
        "fix": fix,
        "unsafe_fixes": unsafe_fixes,
        "show_diff": show_diff,
        "fmt": fmt,
        "statistics": show_statistics,
    }
    for project in projects:
        home = staged_copy.to_real(project.root) if staged_copy else project.root
        _check_project(project, home, report, **options)
    if not report.in_scope:
        named = ", ".join(str(t) for t in targets)
        raise click.ClickException(f"{named}: no Python or project files to check (excluded, ignored or none)")
    if add_noqa:
        _noqa_summary(report)
        return
    report.findings.sort(key=lambda pair: pair[0])
    shown_findings = [f for f, _ in report.findings]
    pack = report.pack
    if show_statistics:
        text = statistics.render(shown_findings, pack=pack, fmt=fmt)
    else:
        color = fmt == "text" and output is None and sys.stdout.isatty()
        text = FORMATS[fmt].render(
            shown_findings, pack=pack, color=color, show_fixes=show_fixes, files=report.files,
            fail_on=report.fail_on, fixes=report.fixes,
        )  # fmt: skip
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    if any(Severity(f.severity).rank >= threshold for f, threshold in report.findings):
        raise SystemExit(1)


def _check_project(project: ProjectPlan, home: Path, report: _Report, *, change, fail_on, select, ignore,
                   rule_dirs, source_roots, add_noqa, no_cache, jobs, report_unused_noqa, fix, unsafe_fixes,
                   show_diff, fmt, statistics) -> None:  # fmt: skip
    """One project of the run: read at `project.root`, living at `home` (they differ for a staged copy)."""
    tree = project.root
    try:
        config = load_config(tree)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    for warning in config.warnings:
        click.echo(f"bp-rules: warning: {warning}", err=True)
    try:
        pack = load_pack([*map(Path, (home / d for d in config.rules)), *rule_dirs])
    except PackError as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        raise SystemExit(2) from None
    try:
        check_config(pack, config)
        check_names(pack, select, "--select")
        check_names(pack, ignore, "--ignore")
        config = config.with_overrides(
            select=select,
            ignore=config.ignore + ignore,  # --ignore adds to the configured list, --select replaces it
            source_roots=source_roots,
            fail_on=fail_on,
        )
        check_not_empty(selected_rules(pack, config), "this selection (--select, --ignore, [tool.bp-rules])")
    except SelectionError as exc:
        raise click.UsageError(str(exc)) from None
    scope = sorted(project.wanted)
    try:
        # the whole project is read for cross-file context, and a file named explicitly even when excluded;
        # the report is limited to `scope` below
        files = collect([project.scope or tree, *project.named_files], config)
    except PathError as exc:
        raise click.ClickException(str(exc)) from None
    in_scope = [rel for rel, _ in files.python if _within(rel, scope)]
    if not in_scope and not any(_within(rel, scope) for rel in files.project):
        return
    report.in_scope = True
    local_change = localized(change, home) if change is not None else None
    progress = _progress_bar() if sys.stderr.isatty() and fmt == "text" else None
    if fix or show_diff:
        limited = _limit_to_scope(local_change, scope, in_scope, home)
        result, moved = _fix(pack, config, files, home, limited, unsafe_fixes, show_diff, jobs, not no_cache)
        local_change = moved if local_change is not None else None
    else:
        touched = local_change.lines.keys() if local_change is not None else ()
        result = run(
            pack, config, files, jobs=jobs, use_cache=not no_cache, progress=progress, cache_root=home, touched=touched
        )
    if progress:
        click.echo("\r\033[K", nl=False, err=True)
    for path, what in result.not_python.items():
        if _within(path, scope):
            click.echo(f"bp-rules: {_relative_to_cwd(home / path)}: {what}, not Python source; not checked", err=True)
    findings = result.findings
    if report_unused_noqa:
        findings = sorted([*findings, *result.unused_noqa])
    findings = [f for f in findings if _within(f.path, scope)]
    if local_change is not None:
        findings = [f for f in findings if _in_change(f, local_change, files)]
    if add_noqa:
        _add_noqa(home, findings, report)
        return
    threshold = Severity(config.fail_on or DEFAULT_FAIL_ON)
    report.fail_on = threshold.value
    report.pack = pack
    report.files += len(in_scope)
    relative = {f: replace(f, path=_relative_to_cwd(home / f.path)) for f in findings}
    if fmt in ("json", "sarif") and not statistics:
        from bp_rules.fixes.describe import finding_fixes

        report.fixes.update({relative[f]: edit for f, edit in finding_fixes(tree, findings, pack).items()})
    report.findings += [(relative[f], threshold.rank) for f in findings]


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


def _limit_to_scope(change, scope: list[str], in_scope: list[str], root: Path):
    """What --fix may touch: the files named (the rest of the project is only read), within the change if any."""
    if change is not None:
        return Change(change.root, {p: lines for p, lines in change.lines.items() if _within(p, scope)})
    if "" in scope:
        return None
    return Change(root, dict.fromkeys(in_scope))


def _within(rel: str, scope: list[str]) -> bool:
    return any(not s or rel == s or rel.startswith(s + "/") for s in scope)


def _add_noqa(root: Path, findings, report: _Report) -> None:
    from bp_rules.validator.add_noqa import add_noqa

    added, files, left = add_noqa(root, findings)
    report.noqa_added += added
    report.noqa_files += files
    report.noqa_left += [f"{_relative_to_cwd(root / f.path)}:{f.line}: {f.rule}: {why}" for f, why in left.items()]


def _noqa_summary(report: _Report) -> None:
    """After every project: what --add-noqa wrote, and what it could not (exit 1 then)."""
    for line in report.noqa_left:
        click.echo(line, err=True)
    click.echo(f"Added {report.noqa_added} suppression(s) to {report.noqa_files} file(s).", err=True)
    if report.noqa_left:
        click.echo(f"{len(report.noqa_left)} finding(s) could not be suppressed by a comment; see above.", err=True)
        raise SystemExit(1)


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    """`--select a,b --select c` -> (a, b, c)."""
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def _in_change(finding, change, files) -> bool:
    if finding.path in files.project:
        return finding.path in change.lines  # a project-file finding shows when that file changed
    return change.touches(finding.path, finding.line)


def _relative_to_cwd(absolute: Path) -> str:
    try:
        return Path(relpath(absolute, Path.cwd())).as_posix()
    except ValueError:
        return absolute.as_posix()


def _progress_bar():
    def update(done: int, total: int) -> None:
        if total < 50:
            return
        width = 30
        filled = width * done // total
        click.echo(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} files", nl=False, err=True)

    return update


__all__ = ["RunResult", "verify", "verify_diff"]
