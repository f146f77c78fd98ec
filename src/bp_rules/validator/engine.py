"""Run the validator: phase 1 per file (in a process pool, cached), phase 2 on the project, then filters.

The validator parses; it never imports or executes the code it reads.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import libcst as cst
import pathspec

from bp_rules.schema.loader import Pack
from bp_rules.schema.models import Rule, Severity
from bp_rules.validator import noqa
from bp_rules.validator.cache import ResultCache
from bp_rules.validator.config import Config
from bp_rules.validator.context import FileContext, module_name, placement
from bp_rules.validator.declarative import declarative_check
from bp_rules.validator.files import SourceFiles
from bp_rules.validator.indexer import Indexer
from bp_rules.validator.positions import locate
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FILE_CHECKS, PROJECT_CHECKS, Finding, load_builtin_checks
from bp_rules.validator.summary import FileSummary

SYNTAX_ERROR = "syntax-error"
SYNTAX_FIX = "Fix the syntax error; bp-rules checks nothing else in a file it cannot parse."
MAX_FILE_BYTES = 8 * 1024 * 1024


@dataclass
class FileResult:
    path: str
    digest: str
    summary: FileSummary | None
    findings: list[Finding]
    suppressions: dict[int, frozenset[str]]


@dataclass
class RunResult:
    findings: list[Finding]
    files: int
    lines: int = 0
    cached: int = 0
    warnings: list[str] = field(default_factory=list)
    unused_noqa: list[Finding] = field(default_factory=list)


# --- rule selection ------------------------------------------------------------------------------------


def selected_rules(pack: Pack, config: Config) -> list[Rule]:
    def named(rule: Rule, names: Iterable[str]) -> bool:
        return any(n in (rule.id, rule.category) for n in names)

    if config.select:
        rules = [
            r
            for r in pack.rules.values()
            if named(r, config.select) or (r.enabled_by_default and "all" in config.select)
        ]
    else:
        rules = pack.enabled()
    return sorted((r for r in rules if not named(r, config.ignore)), key=lambda r: r.id)


@cache
def _globspec(globs: tuple[str, ...]) -> pathspec.PathSpec:
    return pathspec.PathSpec.from_lines("gitignore", globs)


def applies(rule: Rule, path: str) -> bool:
    globs = tuple(rule.globs())
    return globs == ("**",) or _globspec(globs).match_file(path)


# --- phase 1 -------------------------------------------------------------------------------------------


@dataclass
class _Phase1:
    """What a worker needs; inherited by forked workers, so it is built once."""

    rules: dict[str, Rule]
    config: Config
    file_checks: dict[str, object]
    node_types: tuple[type, ...]


_STATE: _Phase1 | None = None


def _build_state(rules: list[Rule], config: Config) -> _Phase1:
    load_builtin_checks()
    checks: dict[str, object] = {}
    for rule in rules:
        if rule.check is None:
            continue
        if rule.check.kind == "python":
            if rule.id in FILE_CHECKS:
                checks[rule.id] = FILE_CHECKS[rule.id]()
        else:
            checks[rule.id] = declarative_check(rule)
    node_types = tuple({t for c in checks.values() for t in getattr(c, "node_types", ())})
    return _Phase1({r.id: r for r in rules}, config, checks, node_types)


def _finding(rule: Rule | None, rule_id: str, path: str, span, message: str, config: Config) -> Finding:
    severity = config.severity.get(rule_id) or (rule.severity.value if rule else Severity.error.value)
    line, col, end_line, end_col = span
    return Finding(path, line, col, rule_id, end_line, end_col, severity, message, rule.fix if rule else SYNTAX_FIX)


def analyze_source(path: str, data: bytes, state: _Phase1) -> FileResult:
    """Phase 1 for one file: parse, index, run the file checks, locate findings."""
    digest = hashlib.sha256(data).hexdigest()
    config = state.config
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        message = f"cannot read the file as UTF-8 (byte {exc.start}); it was not checked"
        return FileResult(path, digest, None, [_finding(None, SYNTAX_ERROR, path, (1, 1, 1, 1), message, config)], {})
    suppressions = noqa.parse(text)
    try:
        tree = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        span = (exc.raw_line, exc.raw_column + 1, exc.raw_line, exc.raw_column + 1)
        message = f"cannot parse: {exc.message}; the rest of this file was not checked"
        finding = _finding(None, SYNTAX_ERROR, path, span, message, config)
        return FileResult(
            path, digest, FileSummary(path, module_name(path), syntax_error=True), [finding], suppressions
        )
    except (RecursionError, ValueError) as exc:
        finding = _finding(None, SYNTAX_ERROR, path, (1, 1, 1, 1), f"cannot parse: {exc}", config)
        return FileResult(path, digest, None, [finding], suppressions)
    module = module_name(path)
    indexer = Indexer(path, module, state.node_types)
    summary = indexer.run(tree)
    ctx = FileContext(path, module, text, tree, summary, indexer, config, placement(path, config))
    for rule_id, check in state.file_checks.items():
        if applies(state.rules[rule_id], path):
            check.check(ctx)
    wanted = [node for _, _, node in indexer.span_targets]
    wanted += [p.node for p in ctx.pending if p.node is not None]
    spans = locate(tree, wanted)
    for target, attr, node in indexer.span_targets:
        span = spans.get(id(node))
        if span is not None:
            setattr(target, attr, span)
    findings = []
    for pending in ctx.pending:
        if pending.target is not None:
            span = pending.target.span
        else:
            span = pending.span or spans.get(id(pending.node), (1, 1, 1, 1))
        findings.append(_finding(state.rules[pending.rule], pending.rule, path, span, pending.message, config))
    return FileResult(path, digest, summary, findings, suppressions)


def _worker(job: tuple[str, str]) -> FileResult:
    path, absolute = job
    return analyze_file(path, Path(absolute), _STATE)


def analyze_file(path: str, absolute: Path, state: _Phase1) -> FileResult:
    try:
        size = absolute.stat().st_size
        if size > MAX_FILE_BYTES:
            message = (
                f"file is {size // 1024 // 1024} MiB, over the {MAX_FILE_BYTES // 1024 // 1024} MiB limit; not checked"
            )
            finding = _finding(None, SYNTAX_ERROR, path, (1, 1, 1, 1), message, state.config)
            return FileResult(path, "", None, [finding], {})
        data = absolute.read_bytes()
    except OSError as exc:
        finding = _finding(None, SYNTAX_ERROR, path, (1, 1, 1, 1), f"cannot read: {exc.strerror}", state.config)
        return FileResult(path, "", None, [finding], {})
    return analyze_source(path, data, state)


# --- the run -------------------------------------------------------------------------------------------


def run(
    pack: Pack,
    config: Config,
    files: SourceFiles,
    *,
    jobs: int | None = None,
    use_cache: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> RunResult:
    global _STATE
    rules = selected_rules(pack, config)
    state = _build_state(rules, config)
    cache_key = hashlib.sha256(
        f"{pack.fingerprint}|{config.digest()}|{','.join(r.id for r in rules)}|{sys.version_info[:2]}".encode()
    ).hexdigest()[:16]
    result_cache = ResultCache(config.root, cache_key) if use_cache else None
    results: dict[str, FileResult] = {}
    todo: list[tuple[str, str]] = []
    for rel, absolute in files.python:
        hit = result_cache.get(rel, absolute) if result_cache else None
        if hit is not None:
            results[rel] = hit
        else:
            todo.append((rel, str(absolute)))
    cached = len(results)
    workers = jobs or os.cpu_count() or 1
    done = 0
    if workers > 1 and len(todo) > 16:
        _STATE = state
        ctx = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
        with ctx.Pool(workers, initializer=_set_state, initargs=(state,)) as pool:
            for result in pool.imap_unordered(_worker, todo, chunksize=4):
                results[result.path] = result
                done += 1
                if progress:
                    progress(done, len(todo))
    else:
        for rel, absolute in todo:
            result = analyze_file(rel, Path(absolute), state)
            results[rel] = result
            done += 1
            if progress:
                progress(done, len(todo))
    if result_cache is not None:
        for rel, _ in todo:
            result_cache.put(results[rel])
        result_cache.save()

    summaries = {p: r.summary for p, r in results.items() if r.summary is not None and not r.summary.syntax_error}
    project = Project(summaries, config, pack, project_files=files.project)
    for rule in rules:
        check_cls = PROJECT_CHECKS.get(rule.id)
        if rule.check is not None and rule.check.kind == "python" and check_cls is not None:
            check_cls().check(project)
    findings: list[Finding] = [f for r in results.values() for f in r.findings]
    by_id = {r.id: r for r in rules}
    for pf in project.findings:
        rule = by_id[pf.rule]
        if applies(rule, pf.path):
            findings.append(_finding(rule, pf.rule, pf.path, pf.span, pf.message, config))
    findings = [
        f for f in findings if (f.rule == SYNTAX_ERROR and SYNTAX_ERROR not in config.ignore) or f.rule in by_id
    ]
    suppressions = {p: r.suppressions for p, r in results.items()}
    kept, unused = noqa.apply(findings, suppressions)
    kept = _per_path_ignores(kept, config)
    return RunResult(sorted(set(kept)), files=len(results), cached=cached, warnings=list(config.warnings),
                     unused_noqa=unused)  # fmt: skip


def _set_state(state: _Phase1) -> None:
    global _STATE
    _STATE = state


def _per_path_ignores(findings: list[Finding], config: Config) -> list[Finding]:
    if not config.per_path_ignores:
        return findings
    specs = [(_globspec((glob,)), set(ids)) for glob, ids in config.per_path_ignores.items()]
    by_category = {}
    out = []
    for f in findings:
        category = by_category.setdefault(f.rule, f.rule.split("-", 1)[0])
        if any(spec.match_file(f.path) and (f.rule in ids or category in ids) for spec, ids in specs):
            continue
        out.append(f)
    return out
