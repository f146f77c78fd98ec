"""Run the validator: phase 1 per file (in a process pool, cached), phase 2 on the project, then filters.

The validator parses; it never imports or executes the code it reads.
"""

from __future__ import annotations

import ast
import gc
import hashlib
import io
import multiprocessing
import os
import sys
import tokenize
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import pathspec

from bp_rules.schema.loader import Pack
from bp_rules.schema.models import Revisions, Rule, Severity
from bp_rules.selection import VALIDATOR_IDS
from bp_rules.validator import alembic_config, migration_history, noqa
from bp_rules.validator.cache import ResultCache
from bp_rules.validator.config import Config
from bp_rules.validator.file_result import FileResult
from bp_rules.validator.files import SourceFiles
from bp_rules.validator.memory import Memory
from bp_rules.validator.registry import FILE_CHECKS, PROJECT_CHECKS, Finding, load_builtin_checks
from bp_rules.validator.routers import BUILTIN_ROUTERS, Scan, resolve, scan
from bp_rules.validator.summary import SUMMARY_VERSION, FileSummary

# libcst, the indexer and the checks are imported where a file is parsed: a warm run on an unchanged tree
# reads everything from the cache and never needs them (importing libcst alone costs ~0.3 s).

SYNTAX_ERROR = "syntax-error"
SYNTAX_FIX = "Fix the syntax error; bp-rules checks nothing else in a file it cannot parse."
MAX_FILE_BYTES = 8 * 1024 * 1024


@dataclass
class RunResult:
    findings: list[Finding]
    files: int
    lines: int = 0
    cached: int = 0
    warnings: list[str] = field(default_factory=list)
    unused_noqa: list[Finding] = field(default_factory=list)
    not_python: dict[str, str] = field(default_factory=dict)  # path -> what it is (a template): not checked


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
    return sorted((r for r in rules if not named(r, config.ignore) and runs_on_target(r, config)), key=lambda r: r.id)


def runs_on_target(rule: Rule, config: Config) -> bool:
    """A rule whose fix needs a newer Python than the project targets stays silent there."""
    needed = rule.python_needed()
    return needed is None or config.target_version is None or config.target_version >= needed


@cache
def _globspec(globs: tuple[str, ...]) -> pathspec.PathSpec:
    return pathspec.PathSpec.from_lines("gitignore", globs)


def applies(rule: Rule, path: str) -> bool:
    return _matches(tuple(rule.globs()), path)


@cache
def _matches(globs: tuple[str, ...], path: str) -> bool:
    # a handful of distinct glob lists serve ~90 rules: match each list once per file
    if globs == ("**",):
        return True
    if globs == ("**/*.py",):
        return path.endswith(".py")
    return _globspec(globs).match_file(path)


# --- phase 1 -------------------------------------------------------------------------------------------


@dataclass
class _Phase1:
    """What a worker needs; inherited by forked workers, so it is built once."""

    rules: dict[str, Rule]
    config: Config
    file_checks: dict[str, object]
    node_types: tuple[type, ...]
    router_types: frozenset[str] = BUILTIN_ROUTERS  # names that make routers (project subclasses, factories)


_STATE: _Phase1 | None = None


def _build_state(rules: list[Rule], config: Config, router_types: frozenset[str] = BUILTIN_ROUTERS) -> _Phase1:
    from bp_rules.validator.declarative import declarative_check

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
    return _Phase1({r.id: r for r in rules}, config, checks, node_types, router_types)


def _finding(rule: Rule | None, rule_id: str, path: str, span, message: str, config: Config) -> Finding:
    # the record's severity; the configured one is applied after the cache, so changing it needs no rerun
    severity = rule.severity.value if rule else Severity.error.value
    line, col, end_line, end_col = span
    return Finding(path, line, col, rule_id, end_line, end_col, severity, message, rule.fix if rule else SYNTAX_FIX)


def analyze_source(path: str, data: bytes, state: _Phase1) -> FileResult:
    """Phase 1 for one file: parse, index, run the file checks, locate findings.

    The cyclic garbage collector is paused meanwhile: a syntax tree is hundreds of thousands of objects,
    and collections triggered while it is built rescan all of them, which made a large file cost the
    square of its size. Nothing here creates garbage cycles worth collecting before the file is done."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _analyze_source(path, data, state)
    finally:
        if enabled:
            gc.enable()


def _analyze_source(path: str, data: bytes, state: _Phase1) -> FileResult:
    import libcst as cst

    from bp_rules.validator.context import FileContext, placement
    from bp_rules.validator.indexer import Indexer
    from bp_rules.validator.parsing import parse_module
    from bp_rules.validator.positions import locate
    from bp_rules.validator.templates import template_syntax

    digest = hashlib.sha256(data).hexdigest()
    config = state.config
    try:
        text, _ = decode_source(data)
    except (UnicodeDecodeError, LookupError, SyntaxError) as exc:
        message = f"cannot read the file: {_decode_problem(exc)}; it was not checked"
        empty = FileSummary(path, config.module_name(path), syntax_error=True)
        return FileResult(path, digest, empty, [_finding(None, SYNTAX_ERROR, path, (1, 1, 1, 1), message, config)], {})
    suppressions = noqa.parse(text)
    try:
        tree = parse_module(text)
    except cst.ParserSyntaxError as exc:
        span, message = _syntax_error_location(text, path, exc)
        summary = FileSummary(path, config.module_name(path), syntax_error=True)
        marker = template_syntax(text, span[0])
        if marker is not None:  # a code generator's template named `.py`: not Python source to check
            return FileResult(path, digest, summary, [], suppressions, not_python=f"a template ({marker})")
        finding = _finding(None, SYNTAX_ERROR, path, span, f"cannot parse: {message}; the file was not checked", config)
        return FileResult(path, digest, summary, [finding], suppressions)
    except (RecursionError, ValueError) as exc:
        finding = _finding(None, SYNTAX_ERROR, path, (1, 1, 1, 1), f"cannot parse: {exc}", config)
        return FileResult(path, digest, None, [finding], suppressions)
    module = config.module_name(path)
    indexer = Indexer(path, module, state.node_types, state.router_types)
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
    revision = migration_history.identity(tree, summary)
    return FileResult(path, digest, summary, findings, suppressions, revision)


def decode_source(data: bytes) -> tuple[str, str]:
    """The text of a Python file in the encoding it declares (PEP 263 cookie or BOM; UTF-8 by default)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        if "unknown encoding" in str(exc):
            raise
        encoding = "utf-8"  # undecodable first lines: the UTF-8 error below says where
    text = data.decode(encoding)
    return text.removeprefix("\ufeff"), encoding


def _decode_problem(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        name = "UTF-8" if exc.encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig") else exc.encoding
        return f"not valid {name} (byte {exc.start})"
    return str(exc)  # an unknown or malformed coding declaration


def _syntax_error_location(text: str, path: str, exc) -> tuple[tuple[int, int, int, int], str]:
    """Python's own compiler pins syntax errors more precisely than libcst; it only compiles, never runs."""
    try:
        compile(text, path, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as err:
        line, col = err.lineno or 1, err.offset or 1
        return (line, col, line, col), err.msg
    except (ValueError, RecursionError, MemoryError):
        pass
    line, col = exc.raw_line, exc.raw_column + 1
    return (line, col, line, col), exc.message.removeprefix("parser error: ")


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
    sources: dict[str, bytes] | None = None,
    memory: Memory | None = None,
    report_in: frozenset[str] | None = None,
    cache_root: Path | None = None,
    touched: Iterable[str] = (),
) -> RunResult:
    """Check `files`. `sources` gives the content of some paths in place of the disk (a snippet checked as
    the file at that path, the rest of the project as context); those results are never cached. `memory`
    keeps decoded per-file results between runs of a long-lived process. `report_in`: only findings in
    these paths are wanted, so cross-file checks of rules that apply to none of them are skipped, and the
    others visit only these files (the rest of the project is their context); findings elsewhere may be
    missing from the result. The cache
    lives under `cache_root` (default: the project root): a run on a copy of the project (the staged tree of
    `verify diff --staged`) keeps using the project's own cache. `touched`: the paths a `verify diff` change
    touches; a revision file among them counts as new."""
    sources = sources or {}
    rules = selected_rules(pack, config)
    # migration rules follow the project's own migration folders (alembic.ini, [tool.alembic], migrations-dirs)
    rules, migration_dirs = alembic_config.localize(rules, config, files.project, [p for p, _ in files.python])
    fingerprint = memory.fingerprint(pack) if memory is not None else pack.fingerprint
    # module names follow the package structure: adding an `__init__.py` renames modules of unchanged files
    packages = ",".join(sorted(p for p, _ in files.python if p.endswith("__init__.py")))
    # which calls make routers depends on every file (a router class defined in one module, used in another)
    digests, router_types = _read_project(files, sources, memory, use_cache or memory is not None)
    cache_key = hashlib.sha256(
        f"{fingerprint}|{config.digest()}|{','.join(r.id for r in rules)}|{sys.version_info[:2]}|"
        f"{migration_dirs}|{packages}|{sorted(router_types)}|{SUMMARY_VERSION}|{_build_stamp()}".encode()
    ).hexdigest()[:16]
    result_cache = ResultCache(cache_root or config.root, cache_key) if use_cache else None
    if memory is not None:
        memory.bind(cache_key)
    results: dict[str, FileResult] = {}
    todo: list[tuple[str, str]] = []
    for rel, absolute in files.python:
        if rel in sources:
            continue
        hit = None
        digest = digests.get(rel)
        if digest is not None:
            hit = memory.lookup(rel, digest) if memory else None
            if hit is None and result_cache is not None:
                hit = result_cache.lookup(rel, digest)
        if hit is not None:
            results[rel] = hit
        else:
            todo.append((rel, str(absolute)))
    cached = len(results)
    state = memory.state if memory is not None else None
    if sources:
        state = state or _build_state(rules, config, router_types)
        if memory is not None:
            memory.state = state
        for rel, data in sources.items():
            results[rel] = analyze_source(rel, data, state)
    project_digest = _project_digest(results, files) if not todo else ""
    wanted = None if report_in is None else frozenset(r.id for r in rules if any(applies(r, p) for p in report_in))

    project_findings = None
    if project_digest and memory is not None:
        project_findings = memory.project_findings(_memory_key(project_digest, wanted, report_in))
    # a long-lived process skips the cached project findings once, to hold every summary from then on
    if project_findings is None and project_digest and result_cache is not None and not sources and memory is None:
        project_findings = result_cache.project_findings(project_digest)
    if project_findings is None:
        if result_cache is not None:
            for rel, absolute in files.python:
                hit = results.get(rel)
                if hit is not None and hit.summary is None and rel not in sources:
                    hit.summary = result_cache.summary(rel)
                    if hit.summary is None:  # summaries lost or stale: analyze the file again
                        del results[rel]
                        todo.append((rel, str(absolute)))
        if todo:  # building the checks imports libcst: only when some file is parsed
            state = state or _build_state(rules, config, router_types)
            if memory is not None:
                memory.state = state
            _analyze(todo, state, results, jobs, progress)
        summaries = {p: r.summary for p, r in results.items() if r.summary and not r.summary.syntax_error}
        project_findings = _phase2(pack, config, rules, summaries, files, wanted, report_in)
        if memory is not None:
            memory.project = (_memory_key(_project_digest(results, files), wanted, report_in), project_findings)
        if result_cache is not None:
            for rel, _ in todo:
                result_cache.put(results[rel])
            # the cache describes the files on disk, never a snippet in a file's place, and whole runs only
            if not sources and wanted is None:
                result_cache.prune(set(results))
                result_cache.set_project(_project_digest(results, files), project_findings)
    if memory is not None:
        memory.keep(results, set(sources))
    if result_cache is not None:
        result_cache.save()

    by_id = {r.id: r for r in rules}
    findings: list[Finding] = [f for r in results.values() for f in r.findings] + project_findings
    keep_syntax = SYNTAX_ERROR not in config.ignore
    findings = [f for f in findings if f.rule in by_id or (f.rule == SYNTAX_ERROR and keep_syntax)]
    history = migration_history.applied({p: r.revision for p, r in results.items()}, touched)
    findings = _without_history(findings, by_id, history)
    suppressions = {p: r.suppressions for p, r in results.items()}
    for path, text in files.project.items():
        suppressions.setdefault(path, noqa.parse(text))
    known = {*pack.rules, *VALIDATOR_IDS}
    kept, unused = noqa.apply(findings, suppressions, known=known, selected={*by_id, SYNTAX_ERROR})
    kept = _per_path_ignores(kept, config)
    if config.severity:
        kept = [replace(f, severity=config.severity.get(f.rule, f.severity)) for f in kept]
    not_python = {p: r.not_python for p, r in sorted(results.items()) if r.not_python}
    return RunResult(sorted(set(kept)), files=len(results), cached=cached, warnings=list(config.warnings),
                     unused_noqa=unused, not_python=not_python)  # fmt: skip


def _without_history(findings: list[Finding], rules: dict[str, Rule], history: frozenset[str]) -> list[Finding]:
    """Drop findings of rules that check new revisions only from revision files that are applied history."""
    if not history:
        return findings
    return [
        f
        for f in findings
        if f.path not in history or f.rule not in rules or rules[f.rule].revisions is not Revisions.new
    ]


def _read_project(
    files: SourceFiles, sources: dict[str, bytes], memory: Memory | None, hashed: bool
) -> tuple[dict[str, str | None], frozenset[str]]:
    """Each file's content hash (when a cache needs it) and the project's router types, reading each file
    once; a long-lived process re-reads only the files whose hash changed."""
    digests: dict[str, str | None] = {}
    scans: list[Scan] = [scan(data.decode("utf-8", "replace")) for data in sources.values()]
    known = memory.router_scans if memory is not None else {}
    for rel, absolute in files.python:
        if rel in sources:
            continue
        try:
            data = None if memory is not None else absolute.read_bytes()
            digest = memory.digest(rel, absolute) if memory is not None else None
            if data is not None and hashed:
                digest = hashlib.sha256(data).hexdigest()
            found = known.get(digest) if digest is not None else None
            if found is None:
                data = data if data is not None else absolute.read_bytes()
                found = scan(data.decode("utf-8", "replace")) if len(data) <= MAX_FILE_BYTES else ((), ())
                if memory is not None and digest is not None:
                    known[digest] = found
        except OSError:
            digests[rel] = None
            continue
        digests[rel] = digest
        scans.append(found)
    return digests, resolve(scans)


def _memory_key(project_digest: str, wanted: frozenset[str] | None, focus: frozenset[str] | None) -> str:
    """Project findings in memory are keyed by the project, by which cross-file checks ran and on which files."""
    ran = ",".join(sorted(wanted)) if wanted is not None else "*"
    visited = "\0".join(sorted(focus)) if focus is not None else "*"
    return f"{project_digest}|{ran}|{visited}"


@cache
def _build_stamp() -> str:
    """What this build of bp-rules is: its version and the size and time of each of its modules, so that results
    cached by another build (an upgrade, an edited checkout) are never reused."""
    package = Path(__file__).resolve().parent.parent
    from bp_rules import __version__

    stamp = hashlib.sha256(__version__.encode())
    for module in sorted(package.rglob("*.py")):
        info = module.stat()
        stamp.update(f"{module.relative_to(package)}:{info.st_size}:{info.st_mtime_ns}\n".encode())
    return stamp.hexdigest()[:16]


def _project_digest(results: dict[str, FileResult], files: SourceFiles) -> str:
    """What phase 2 depends on: every file's content (and the project files)."""
    digest = hashlib.sha256()
    for path in sorted(results):
        digest.update(f"{path}\0{results[path].digest}\n".encode())
    for path in sorted(files.project):
        digest.update(f"{path}\0".encode() + hashlib.sha256(files.project[path].encode()).digest())
    return digest.hexdigest()


def _analyze(todo, state: _Phase1, results: dict[str, FileResult], jobs, progress) -> None:
    global _STATE
    workers = jobs or os.cpu_count() or 1
    done = 0
    if workers > 1 and len(todo) > 16:
        _STATE = state
        ctx = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
        with ctx.Pool(workers, initializer=_set_state, initargs=(state,)) as pool:
            for result in pool.imap_unordered(_worker, _largest_first(todo), chunksize=8):
                results[result.path] = result
                done += 1
                if progress:
                    progress(done, len(todo))
        return
    for rel, absolute in todo:
        results[rel] = analyze_file(rel, Path(absolute), state)
        done += 1
        if progress:
            progress(done, len(todo))


def _phase2(
    pack: Pack,
    config: Config,
    rules: list[Rule],
    summaries,
    files: SourceFiles,
    wanted: frozenset[str] | None = None,
    focus: frozenset[str] | None = None,
) -> list[Finding]:
    from bp_rules.validator.project import Project

    load_builtin_checks()  # the checks register themselves on import; no file may have been parsed this run
    selected = frozenset(r.id for r in rules)
    project = Project(summaries, config, pack, project_files=files.project, selected=selected, focus=focus)
    for rule in rules:
        if wanted is not None and rule.id not in wanted:
            continue
        check_cls = PROJECT_CHECKS.get(rule.id)
        if rule.check is not None and rule.check.kind == "python" and check_cls is not None:
            check_cls().check(project)
    by_id = {r.id: r for r in rules}
    return [
        _finding(by_id[pf.rule], pf.rule, pf.path, pf.span, pf.message, config)
        for pf in project.findings
        if applies(by_id[pf.rule], pf.path)
    ]


def _largest_first(todo: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Big files first, so that no worker is left parsing a large one while the other idles."""

    def size(job: tuple[str, str]) -> int:
        try:
            return os.stat(job[1]).st_size
        except OSError:
            return 0

    return sorted(todo, key=size, reverse=True)


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
