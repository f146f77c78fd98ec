"""`bp-rules mcp`: a stdio MCP server that keeps the projects of a tree warm for an agent.

Each path is checked with the project it belongs to (the nearest manifest above it, as `bp-rules verify`
finds it), so one server serves a monorepo. Per project, the pack, the file list and every file's summary
stay in memory (a `Session`), so a tool call re-analyses only what changed. Tools return structured
results; a bad argument or a path outside the served tree comes back as a tool error. Standard output
carries the protocol only: the server writes it through its own copy of the descriptor and points
descriptor 1 at standard error, so a stray print cannot corrupt the stream.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from io import TextIOWrapper
from pathlib import Path
from typing import Annotated, Literal

import click
from pydantic import BaseModel, Field

from bp_rules.fixes.describe import finding_fixes, fix_text
from bp_rules.fixes.session import fixable
from bp_rules.schema.models import Example, Rule
from bp_rules.show import rule_text
from bp_rules.validator.config import find_project_root
from bp_rules.validator.diff import GitError, changed_lines
from bp_rules.validator.engine import applies
from bp_rules.validator.registry import Finding
from bp_rules.validator.session import Checked, Session, SessionError
from bp_rules.validator.sessions import Sessions

log = logging.getLogger("bp_rules.mcp")
RULE_URI = "bp-rules://rules/{rule_id}"


class RuleSummary(BaseModel):
    id: str
    category: str
    severity: Literal["error", "warning", "info"]
    title: str
    summary: str
    checked: bool = Field(description="Whether `check_code` and `bp-rules verify` check it (else guidance only).")
    enabled_by_default: bool
    applies_to: list[str] = Field(description="Globs of the files the rule applies to.")


class RuleList(BaseModel):
    count: int
    rules: list[RuleSummary]


class CodeExample(BaseModel):
    title: str | None
    files: dict[str, str] = Field(description="Path -> code.")
    lines: dict[str, list[int]] = Field(description="Path -> the lines the rule reports (Don't examples).")


class RuleDetail(RuleSummary):
    rationale: str
    dont: list[CodeExample]
    do: list[CodeExample]
    fix: str
    how_checked: str
    suppress: str
    text: str = Field(description="The whole rule as `bp-rules rules show` prints it.")


class EditOut(BaseModel):
    line: int
    col: int
    end_line: int
    end_col: int
    content: str = Field(description="Replaces the text from (line, col) up to (end_line, end_col), 1-based.")


class AutofixOut(BaseModel):
    applicability: Literal["safe", "unsafe"] = Field(description="`unsafe` fixes may change behaviour: review them.")
    edits: list[EditOut]


class FindingOut(BaseModel):
    rule: str
    severity: str
    path: str = Field(description="Relative to the served root (the directory the server was started for).")
    line: int
    col: int
    end_line: int
    end_col: int
    message: str
    fix: str
    autofix: AutofixOut | None = Field(default=None, description="The fix bp-rules applies (`fix_code`), if any.")


class CheckResult(BaseModel):
    clean: bool
    count: int
    findings: list[FindingOut]
    files_in_project: int = Field(description="Python files read as cross-file context.")
    warnings: list[str]


class FixResult(BaseModel):
    code: str = Field(description="The fixed content of the file.")
    changed: bool
    applied: dict[str, int] = Field(description="Fixes applied, per rule id.")
    remaining: CheckResult = Field(description="The findings left in the fixed code.")


def rule_summary(rule: Rule) -> dict:
    return {
        "id": rule.id,
        "category": rule.category,
        "severity": rule.severity.value,
        "title": rule.title,
        "summary": rule.summary,
        "checked": rule.checked,
        "enabled_by_default": rule.enabled_by_default,
        "applies_to": list(rule.globs()),
    }


def _example(example: Example) -> CodeExample:
    files = example.as_files()
    return CodeExample(
        title=example.title,
        files={f.path: f.code for f in files},
        lines={f.path: list(f.lines) for f in files if f.lines},
    )


def rule_detail(rule: Rule) -> RuleDetail:
    if rule.check is None:
        how = "guidance only: no deterministic check"
    else:
        how = f"checked by `bp-rules verify`, `check_code` and the hooks ({rule.check.kind} check)"
    return RuleDetail(
        **rule_summary(rule),
        rationale=" ".join(rule.rationale.split()),
        dont=[_example(e) for e in rule.examples.dont],
        do=[_example(e) for e in rule.examples.do],
        fix=rule.fix,
        how_checked=how,
        suppress=f"# noqa: {rule.id}",
        text=rule_text(rule),
    )


def check_result(checked: Checked, fixes: dict | None = None, prefix: str = "") -> CheckResult:
    """`prefix`: where the checked project lies below the served root (`services/a/`), put before each path."""
    fixes = fixes or {}
    findings = [
        FindingOut(**_finding(f, prefix), autofix=fixes[f].to_json() if f in fixes else None) for f in checked.findings
    ]
    return CheckResult(
        clean=not findings,
        count=len(findings),
        findings=findings,
        files_in_project=checked.files,
        warnings=checked.warnings,
    )


def merged(results: list[CheckResult]) -> CheckResult:
    """The results of several projects as one."""
    findings = [f for r in results for f in r.findings]
    warnings = list(dict.fromkeys(w for r in results for w in r.warnings))
    files = sum(r.files_in_project for r in results)
    return CheckResult(clean=not findings, count=len(findings), findings=findings, files_in_project=files,
                       warnings=warnings)  # fmt: skip


def _finding(f: Finding, prefix: str = "") -> dict:
    return {k: (prefix + v if k == "path" else v) for k, v in f.to_json().items() if k in FindingOut.model_fields}


def build_server(sessions: Sessions):
    """The server's tools and resources over the sessions of a tree; calls run one at a time in a worker thread."""
    # the SDK loads only here, so that every other command starts without it
    import anyio
    from mcp.server.fastmcp import FastMCP
    from mcp.server.fastmcp.exceptions import ToolError
    from mcp.server.fastmcp.resources import FunctionResource

    app = FastMCP(
        "bp-rules",
        instructions=(
            "FastAPI best-practice rules for this project. Call check_code with the full new content of a "
            "Python file before writing it (or check_files after), read a rule with get_rule, and fix every "
            "finding (fix_code applies the fixes bp-rules knows) or suppress it with `# noqa: <rule-id>` and a "
            "reason."
        ),
    )

    def prefix(session: Session) -> str:
        below = session.root.relative_to(sessions.root).as_posix()
        return "" if below == "." else f"{below}/"

    def located(path: str) -> tuple[Session, str]:
        session, rel = sessions.locate(path)
        if not rel.endswith((".py", ".pyi")):
            raise ToolError(f"{path}: not a Python file (.py or .pyi)")
        return session, rel

    async def call(fn, *args):
        def locked():
            with sessions.lock:
                try:
                    return fn(*args)
                except SessionError as exc:
                    raise ToolError(str(exc)) from None

        return await anyio.to_thread.run_sync(locked)

    @app.tool()
    async def list_rules(
        category: Annotated[str | None, Field(description="Only this category, e.g. async, deps.")] = None,
        severity: Annotated[Literal["error", "warning", "info"] | None, Field(description="Only this one.")] = None,
        path: Annotated[str | None, Field(description="Only rules that apply to this project path.")] = None,
    ) -> RuleList:
        """List the rules: id, severity, summary, whether it is checked, which files it applies to."""

        def work() -> RuleList:
            session, rel = sessions.locate(path) if path is not None else (sessions.default, None)
            pack = session.pack
            if category is not None and category not in {r.category for r in pack.rules.values()}:
                known = ", ".join(sorted({r.category for r in pack.rules.values()}))
                raise ToolError(f"unknown category {category!r}; known: {known}")
            rules = [
                RuleSummary(**rule_summary(r))
                for r in pack.sorted_rules()
                if (category is None or r.category == category)
                and (severity is None or r.severity.value == severity)
                and (rel is None or applies(r, rel))
            ]
            return RuleList(count=len(rules), rules=rules)

        return await call(work)

    @app.tool()
    async def get_rule(rule_id: Annotated[str, Field(description="A rule id, e.g. deps-annotated.")]) -> RuleDetail:
        """One rule in full: summary, rationale, Don't and Do examples, fix, and how it is checked."""

        def work() -> RuleDetail:
            pack = sessions.default.pack
            rule = pack.rules.get(rule_id)
            if rule is None:
                close = [r for r in sorted(pack.rules) if rule_id and rule_id in r][:5]
                hint = f"; did you mean {', '.join(close)}?" if close else "; see list_rules"
                raise ToolError(f"no rule {rule_id!r}{hint}")
            return rule_detail(rule)

        return await call(work)

    @app.tool()
    async def check_code(
        code: Annotated[str, Field(description="The full content the file would have.")],
        path: Annotated[str, Field(description="Where the file lives or will live (project-relative or absolute).")],
    ) -> CheckResult:
        """Check code as the file at `path`, with the rest of the project as cross-file context (nothing is
        written). Reports the findings in that file."""

        def work() -> CheckResult:
            session, rel = located(path)
            checked = session.check([rel], sources={rel: code})
            fixes = finding_fixes(session.root, checked.findings, session.pack, {rel: code})
            return check_result(checked, fixes, prefix(session))

        return await call(work)

    @app.tool()
    async def fix_code(
        code: Annotated[str, Field(description="The full content of the file.")],
        path: Annotated[str, Field(description="Where the file lives or will live (project-relative or absolute).")],
        unsafe: Annotated[bool, Field(description="Also apply fixes that may change behaviour.")] = False,
    ) -> FixResult:
        """Apply bp-rules' fixes to code as the file at `path` (nothing is written): the fixed code, the fixes
        applied per rule and the findings left, with the rest of the project as cross-file context."""

        def work() -> FixResult:
            session, rel = located(path)
            fixed, applied, _ = fix_text(
                rel,
                code,
                lambda text: session.check([rel], sources={rel: text}).findings,
                fixable(session.pack, unsafe),
            )
            checked = session.check([rel], sources={rel: fixed})
            fixes = finding_fixes(session.root, checked.findings, session.pack, {rel: fixed})
            remaining = check_result(checked, fixes, prefix(session))
            return FixResult(code=fixed, changed=fixed != code, applied=dict(applied), remaining=remaining)

        return await call(work)

    @app.tool()
    async def check_files(
        paths: Annotated[list[str], Field(description="Project files (relative or absolute).", min_length=1)],
    ) -> CheckResult:
        """Check files as they are on disk, each with the rest of its project as cross-file context."""

        def work() -> CheckResult:
            located = [sessions.locate(p) for p in paths]
            missing = [p for p, (s, rel) in zip(paths, located, strict=True) if not (s.root / rel).is_file()]
            if missing:
                raise ToolError(f"no such file: {', '.join(missing)}")
            by_project: dict[Path, tuple[Session, list[str]]] = {}
            for session, rel in located:
                by_project.setdefault(session.root, (session, []))[1].append(rel)
            results = []
            for session, rels in by_project.values():
                checked = session.check(rels)
                fixes = finding_fixes(session.root, checked.findings, session.pack)
                results.append(check_result(checked, fixes, prefix(session)))
            return merged(results)

        return await call(work)

    @app.tool()
    async def check_diff(
        base: Annotated[
            str | None, Field(description="A git ref: report everything since the merge-base with it.")
        ] = None,
    ) -> CheckResult:
        """Findings on the lines changed in the working tree (vs HEAD, plus untracked files), or since `base`,
        each project of the tree checked as such."""

        def work() -> CheckResult:
            try:
                change = changed_lines(sessions.root, base=base)
            except GitError as exc:
                raise ToolError(f"git: {exc}") from None
            by_project: dict[Path, Session] = {sessions.root: sessions.default}
            for path in change.lines:
                try:
                    session, _ = sessions.locate(change.root / path)
                except SessionError:
                    continue  # a change outside the served tree
                by_project.setdefault(session.root, session)
            results = []
            for _, session in sorted(by_project.items()):
                checked = session.check_change(base=base)
                fixes = finding_fixes(session.root, checked.findings, session.pack)
                results.append(check_result(checked, fixes, prefix(session)))
            return merged(results)

        return await call(work)

    @app.resource(RULE_URI, mime_type="text/plain")
    def rule_resource(rule_id: str) -> str:
        """A rule as `bp-rules rules show` prints it."""
        rule = sessions.default.pack.rules.get(rule_id)
        if rule is None:
            raise ValueError(f"no rule {rule_id!r}")
        return rule_text(rule)

    for rule in sessions.default.pack.sorted_rules():  # listed resources; the template above also reads new ones
        app.add_resource(
            FunctionResource(
                uri=RULE_URI.format(rule_id=rule.id),
                name=rule.id,
                description=rule.summary,
                mime_type="text/plain",
                fn=lambda rule_id=rule.id: rule_resource(rule_id),
            )
        )
    return app


def serve(root: Path, rule_dirs: tuple[Path, ...] = (), *, warm_up: bool = True) -> None:
    """Run the server on standard input and output until the client closes them."""
    import anyio
    from mcp.server.stdio import stdio_server

    protocol_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # anything else written to fd 1 lands on stderr
    sys.stdout = sys.stderr
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="bp-rules mcp: %(message)s")
    sessions = Sessions(root, rule_dirs)
    app = build_server(sessions)
    if warm_up:  # read the project while the client starts up, so the first check is already warm
        threading.Thread(target=_warm, args=(sessions,), daemon=True).start()

    async def main() -> None:
        stdout = anyio.wrap_file(TextIOWrapper(protocol_out, encoding="utf-8", write_through=True))
        async with stdio_server(stdout=stdout) as (read_stream, write_stream):
            server = app._mcp_server
            await server.run(read_stream, write_stream, server.create_initialization_options())

    anyio.run(main)


def _warm(sessions: Sessions) -> None:
    try:
        with sessions.lock:
            sessions.default.check([])
    except Exception as exc:  # the first tool call reports the problem properly
        log.warning("could not read the project yet: %s", exc)


@click.command("mcp")
@click.option(
    "--root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="The tree to serve (default: the project of the current directory); each file is checked with the "
    "project it belongs to, so a monorepo needs one server.",
)
@click.option(
    "--rules",
    "rule_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A directory of your own rule records (repeatable).",
)
def mcp_command(root: Path | None, rule_dirs: tuple[Path, ...]) -> None:
    """Serve the rules and the checks to an agent over MCP (stdio).

    Tools: list_rules, get_rule, check_code, check_files, check_diff, fix_code; every rule is also a resource
    (bp-rules://rules/<id>). The project stays in memory, so a check re-reads only changed files.

    \b
    Example (.mcp.json):
      {"mcpServers": {"bp-rules": {"type": "stdio", "command": "bp-rules", "args": ["mcp"]}}}
    """
    serve(find_project_root(root or Path.cwd()), rule_dirs)
