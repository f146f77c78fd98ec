"""`bp-rules verify --add-noqa`: suppress every current finding where it is, to adopt bp-rules on an existing
codebase and hold only new code to the rules (ruff's `--add-noqa`).

A comment goes on the finding's first or last line, whichever can take one (not inside a multi-line string,
not after a line continuation). An existing `# noqa:` naming bp-rules ids is extended; otherwise a new
`# noqa: <id>` is appended after whatever comment the line has. Running it twice adds nothing: suppressed
findings are no longer reported. A file is written only when the edit changed nothing but comments (its
tokens for Python, its data for TOML), and atomically.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
import tokenize
import tomllib
from collections import defaultdict
from pathlib import Path

from bp_rules.validator.engine import SYNTAX_ERROR, decode_source
from bp_rules.validator.registry import Finding

_LINE = re.compile(r"[^\n]*\n|[^\n]+\Z")
_OUR_NOQA = re.compile(r"#\s*noqa\s*:\s*[A-Za-z0-9_-]+(?:\s*,\s*[A-Za-z0-9_-]+)*", re.IGNORECASE)


def add_noqa(root: Path, findings: list[Finding]) -> tuple[int, int, dict[Finding, str]]:
    """Add the comments; return (suppressions added, files changed, findings left with the reason)."""
    by_path: dict[str, list[Finding]] = defaultdict(list)
    left: dict[Finding, str] = {}
    for finding in findings:
        if finding.rule in (SYNTAX_ERROR, "unused-noqa"):
            left[finding] = "fix it instead; a comment cannot suppress it"
        elif finding.path.endswith((".py", ".pyi", ".toml")):
            by_path[finding.path].append(finding)
        else:
            left[finding] = "not a Python or TOML file; use per-path-ignores in [tool.bp-rules]"
    added = changed = 0
    for rel, items in sorted(by_path.items()):
        count, problems = _suppress_in_file(root / rel, items)
        left.update(problems)
        added += count
        changed += count > 0
    return added, changed, left


def _suppress_in_file(path: Path, findings: list[Finding]) -> tuple[int, dict[Finding, str]]:
    data = path.read_bytes()
    python = path.suffix in (".py", ".pyi")
    text, encoding = decode_source(data) if python else (data.decode("utf-8"), "utf-8")
    lines = _physical_lines(text)
    blocked = _lines_without_room(text) if python else set()
    wanted: dict[int, set[str]] = defaultdict(set)
    problems: dict[Finding, str] = {}
    for finding in findings:
        candidates = (finding.line, finding.end_line)
        line = next((ln for ln in candidates if 1 <= ln <= len(lines) and ln not in blocked), None)
        if line is None:
            problems[finding] = "no line of the finding can take a comment"
        else:
            wanted[line].add(finding.rule)
    for line, ids in wanted.items():
        lines[line - 1] = _with_noqa(lines[line - 1], sorted(ids))
    new_text = "".join(lines)
    if not _same_meaning(text, new_text, python):
        return 0, {**problems, **{f: "a comment here would change the file's meaning" for f in findings}}
    _write_atomic(path, new_text.encode(encoding))  # utf-8-sig writes the byte-order mark back
    return sum(len(ids) for ids in wanted.values()), problems


def _with_noqa(line: str, ids: list[str]) -> str:
    body = line.rstrip("\r\n")
    ending = line[len(body) :]
    comment_at = _comment_start(body)
    if comment_at is not None:
        match = next((m for m in _OUR_NOQA.finditer(body, comment_at) if "-" in m.group(0)), None)
        if match is not None:  # extend the bp-rules suppression already there
            return body[: match.end()] + "".join(f", {i}" for i in ids) + body[match.end() :] + ending
    return f"{body.rstrip()}  # noqa: {', '.join(ids)}{ending}"


def _comment_start(body: str) -> int | None:
    """Where the comment of a line starts, if it has one (a `#` inside a string does not count)."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(body + "\n").readline):
            if token.type == tokenize.COMMENT:
                return token.start[1]
    except (tokenize.TokenError, SyntaxError):
        return body.find("#") if "#" in body else None
    return None


def _physical_lines(text: str) -> list[str]:
    """Lines as the tokenizer numbers them: split on newlines only (not on form feeds or U+2028)."""
    return _LINE.findall(text)


def _lines_without_room(text: str) -> set[int]:
    """Lines whose end is inside a multi-line string or continued by a backslash: no comment fits there."""
    blocked: set[int] = set()
    with contextlib.suppress(tokenize.TokenError, SyntaxError):
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.start[0] < token.end[0] and token.type != tokenize.NL:
                blocked.update(range(token.start[0], token.end[0]))
    for number, line in enumerate(_physical_lines(text), start=1):
        if line.rstrip().endswith("\\"):
            blocked.add(number)
    return blocked


def _same_meaning(old: str, new: str, python: bool) -> bool:
    """The edit added comments and nothing else. Only parses (never runs) the file; Python is compared token
    by token, so that syntax newer than the running Python (which libcst reads) is no obstacle."""
    try:
        if python:
            return _code_tokens(old) == _code_tokens(new)
        return tomllib.loads(old) == tomllib.loads(new)
    except (tokenize.TokenError, SyntaxError, ValueError, RecursionError, MemoryError):
        return False


def _code_tokens(text: str) -> list[tuple[int, str]]:
    skipped = (tokenize.COMMENT, tokenize.NL)
    return [(t.type, t.string) for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type not in skipped]


def _write_atomic(path: Path, data: bytes) -> None:
    mode = path.stat().st_mode
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
