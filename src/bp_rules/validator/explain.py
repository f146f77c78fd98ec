"""`bp-rules explain PATH`: how bp-rules sees one file, and why each rule does or does not check it."""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from pathlib import Path

import click
import pathspec

from bp_rules.schema.loader import Pack, PackError, load_pack
from bp_rules.validator.config import Config, ConfigError, load_config
from bp_rules.validator.context import placement
from bp_rules.validator.discovery import find_project_root, manifest_of
from bp_rules.validator.engine import applies, decode_source, selected_rules
from bp_rules.validator.templates import template_syntax


@dataclass
class Explanation:
    path: str  # relative to the project root
    project: str
    manifest: str | None
    settings: str
    module: str
    import_roots: list[str]
    source_roots: list[str]
    source_roots_from: str
    source_root: str | None
    domain: str | None
    role: str | None
    in_tests: bool
    target_version: str | None
    target_version_from: str
    not_python: str | None = None  # what a `.py` file that is no Python source is (a template): not checked
    applied: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # rule id -> why it does not check this file


def explain(target: Path, pack: Pack, config: Config | None = None) -> Explanation:
    absolute = target.resolve()
    root = find_project_root(absolute)
    config = config or load_config(root)
    rel = absolute.relative_to(root).as_posix() if absolute != root else "."
    place = placement(rel, config)
    target_version = ".".join(map(str, config.target_version)) if config.target_version else None
    out = Explanation(
        path=rel,
        project=str(root),
        manifest=manifest_of(root),
        settings=config.origins.get("settings", "defaults"),
        module=config.module_name(rel) if rel.endswith((".py", ".pyi")) else "",
        import_roots=list(config.import_roots),
        source_roots=list(config.source_roots),
        source_roots_from=config.origins.get("source-roots", "configured"),
        source_root=place.source_root,
        domain=place.domain,
        role=place.role,
        in_tests=place.in_tests,
        target_version=target_version,
        target_version_from=config.origins.get("target-version", "unknown"),
        not_python=_not_python(absolute),
    )
    selected = {r.id for r in selected_rules(pack, config)}
    ignored_here = _per_path_ignored(rel, config)
    for rule in pack.sorted_rules():
        why = _why_not(rule, rel, config, selected, ignored_here)
        if why is None:
            out.applied.append(rule.id)
        else:
            out.skipped[rule.id] = why
    return out


def _not_python(path: Path) -> str | None:
    """A template named `.py` (only compiled to find out, never run)."""
    if path.suffix != ".py" or not path.is_file():
        return None
    try:
        text, _ = decode_source(path.read_bytes())
    except (OSError, UnicodeDecodeError, LookupError, SyntaxError):
        return None
    try:
        compile(text, str(path), "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        marker = template_syntax(text, exc.lineno or 1)
        return f"a template ({marker})" if marker else None
    except (ValueError, RecursionError, MemoryError):
        return None
    return None


def _per_path_ignored(rel: str, config: Config) -> dict[str, str]:
    out: dict[str, str] = {}
    for glob, ids in config.per_path_ignores.items():
        if pathspec.PathSpec.from_lines("gitignore", [glob]).match_file(rel):
            for rule_id in ids:
                out.setdefault(rule_id, glob)
    return out


def _why_not(rule, rel: str, config: Config, selected: set[str], ignored_here: dict[str, str]) -> str | None:
    if rule.check is None:
        return "guidance only: no syntax decides it, so nothing checks it"
    names = (rule.id, rule.category)
    if any(n in config.ignore for n in names):
        return "ignored by the settings or --ignore"
    if config.select and not any(n in config.select for n in (*names, "all")):
        return "not in the selection (select)"
    if not rule.enabled_by_default and not any(n in config.select for n in names):
        return "opt-in: not enabled by default (select it to run it)"
    needed = rule.python_needed()
    if rule.id not in selected and needed and config.target_version and config.target_version < needed:
        have = ".".join(map(str, config.target_version))
        return f"its fix needs Python {rule.min_python}; the project targets Python {have}"
    if rule.id not in selected:
        return "not selected"
    glob = next((ignored_here[n] for n in names if n in ignored_here), None)
    if glob is not None:
        return f"ignored for this path by per-path-ignores {glob!r}"
    if rel != "." and not applies(rule, rel):
        return f"applies to {', '.join(rule.globs())}, which this path is not"
    return None


def render_text(e: Explanation) -> str:
    lines = [
        f"path:           {e.path}",
        f"project:        {e.project}" + (f" ({e.manifest})" if e.manifest else " (no manifest)"),
        f"settings:       {e.settings}",
    ]
    if e.module:
        lines.append(f"module:         {e.module}")
    lines += [
        f"import roots:   {', '.join(['.', *e.import_roots])}",
        f"source roots:   {', '.join(e.source_roots) or '-'} (from {e.source_roots_from})",
        f"placement:      source root {e.source_root or '-'}, domain {e.domain or '-'}, role {e.role or '-'}"
        + (", a test" if e.in_tests else ""),
        f"target Python:  {e.target_version or 'unknown'} (from {e.target_version_from})",
        *([f"not checked:    {e.not_python}, not Python source"] if e.not_python else []),
        f"rules that check it ({len(e.applied)}):",
    ]
    lines += [f"  {rule_id}" for rule_id in e.applied]
    lines.append(f"rules that do not ({len(e.skipped)}):")
    width = max((len(r) for r in e.skipped), default=0)
    lines += [f"  {rule_id.ljust(width)}  {why}" for rule_id, why in e.skipped.items()]
    return "\n".join(lines) + "\n"


@click.command("explain")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def explain_command(path: Path, fmt: str) -> None:
    """Show how bp-rules sees PATH: its project, settings, module name, placement, target Python, and which
    rules check it (and why the others do not).

    \b
    Examples:
      bp-rules explain app/api/routes/items.py
      bp-rules explain src/dispatch/case/views.py --format json
    """
    try:
        config = load_config(find_project_root(path.resolve()))
        pack = load_pack([Path(config.root) / d for d in config.rules])
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    except PackError as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        raise SystemExit(2) from None
    result = explain(path, pack, config)
    if fmt == "json":
        click.echo(json.dumps(result.__dict__, indent=2))
    else:
        click.echo(render_text(result), nl=False)
