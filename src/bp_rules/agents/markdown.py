"""Markdown building blocks shared by the exporters: a rule as a full section, a compact entry or a reminder
line, tables and fenced code."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePosixPath

from bp_rules.agents.excerpt import GAP, Side, excerpt, is_import
from bp_rules.schema.models import Autofix, Example, Matrix, Rule, Scope

LANGUAGES = {
    ".py": "python",
    ".toml": "toml",
    ".ini": "ini",
    ".cfg": "ini",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".sh": "sh",
    ".json": "json",
    ".md": "markdown",
    ".txt": "text",
    ".mako": "mako",
}
FILE_LANGUAGES = {"Makefile": "makefile", "Dockerfile": "dockerfile"}
DEFAULT_PATH = "example.py"  # what `Example.as_files` calls a snippet without a path
HASH_COMMENTS = {"python", "toml", "ini", "yaml", "sh", "text", "makefile", "dockerfile"}


def one_line(text: str) -> str:
    """Collapse a (possibly folded) YAML string to one line."""
    return " ".join(text.split())


def cell(text: str) -> str:
    return one_line(text).replace("|", "\\|")


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(cell(h) for h in headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def language(path: str) -> str:
    name = PurePosixPath(path).name
    if name in FILE_LANGUAGES:
        return FILE_LANGUAGES[name]
    return LANGUAGES.get(PurePosixPath(path).suffix, "")


def fence(code: str, lang: str) -> str:
    """A fenced block longer than any backtick run inside the code."""
    longest = max((len(m) for m in re.findall(r"`+", code)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{code.rstrip()}\n{ticks}"


def example_md(example: Example, label: str) -> str:
    files = example.as_files()
    title = f" — {one_line(example.title)}" if example.title else ""
    if example.files is None:
        where = f" (`{files[0].path}`)" if files[0].path != "example.py" else ""
        return f"**{label}**{title}{where}:\n\n{fence(files[0].code, language(files[0].path))}"
    parts = [f"**{label}**{title}:"]
    for file in files:
        parts.append(f"`{file.path}`:\n\n{fence(file.code, language(file.path))}")
    return "\n\n".join(parts)


def checked_text(rule: Rule) -> str:
    """`Checked by ...` or `Guidance only ...`, with the nearest ruff codes."""
    ruff = ", ".join(f"`{code}`" for code in rule.ruff)
    if rule.check is not None:
        extra = f"; ruff {ruff}" if ruff else ""
        return f"Checked by `bp-rules verify` (`{rule.id}`{extra}){fix_text(rule)}."
    extra = f"; ruff {ruff} covers part of it" if ruff else ""
    return f"Guidance only: `bp-rules verify` does not check it{extra}."


def fix_text(rule: Rule) -> str:
    """`; fix: safe (`bp-rules verify --fix`)` for a rule with an autofix, else nothing."""
    if rule.autofix is Autofix.none:
        return ""
    flags = "--fix" if rule.autofix is Autofix.safe else "--fix --unsafe-fixes"
    return f"; fix: {rule.autofix.value} (`bp-rules verify {flags}`)"


def fix_compact(rule: Rule) -> str:
    return "" if rule.autofix is Autofix.none else f" · fix: {rule.autofix.value}"


def checked_compact(rule: Rule) -> str:
    """How a rule is checked, for the compact layout's rule heading: `checked` (by `bp-rules verify`, under
    the rule's id) or `guidance only`, with the nearest ruff codes."""
    ruff = ", ".join(f"`{code}`" for code in rule.ruff)
    if rule.check is not None:
        return (f"checked (ruff {ruff})" if ruff else "checked") + fix_compact(rule)
    return f"guidance only (ruff {ruff} covers part)" if ruff else "guidance only"


_TOP_BLOCK = re.compile(r"^(async def |def |class |@)")


def _side_lines(side: Side, label: str, comment: str, path: bool) -> list[str]:
    """The side under its header; a gap is a comment indented like the line after it."""
    lines = [f"{comment} {label} ({side.path})" if path else f"{comment} {label}"]
    for index, line in enumerate(side.lines):
        if line is None:
            following = next((n for n in side.lines[index + 1 :] if n is not None), "")
            line = f"{following[: len(following) - len(following.lstrip())]}{comment} {GAP}"
        lines.append(line)
    return lines


def _python_spacing(dont: list[str], do: list[str]) -> list[str]:
    """The blank lines `ruff format` puts before the `# Do` comment, so that a formatter run over the
    Markdown leaves the block as it is: two after the body of a top-level def or class or before one, one
    after imports, none after a decorator (both sides then decorate the same function)."""
    code = [line for line in dont[1:] if not line.lstrip().startswith("#")]
    if not code or code[-1].startswith("@"):
        return []
    after_block = code[-1][:1].isspace() and any(_TOP_BLOCK.match(line) for line in code)
    if after_block or any(_TOP_BLOCK.match(line) for line in do[1:2]):
        return ["", ""]
    return [""] if is_import(code[-1]) else []


_EXCERPTS: dict[int, tuple[Rule, str]] = {}  # id(rule) -> (rule, block): fitting renders a rule many times


def excerpt_md(rule: Rule) -> str:
    cached = _EXCERPTS.get(id(rule))
    if cached is None or cached[0] is not rule:
        cached = _EXCERPTS[id(rule)] = (rule, _excerpt_md(rule))
    return cached[1]


def _excerpt_md(rule: Rule) -> str:
    """One fenced block with `# Don't` and `# Do` excerpts of the rule's own examples (see `excerpt`).

    The paths are shown when the two sides come from different files or the rule is about the project's
    files (where code lives is then the point);
    sides in different languages, or in one without `#` comments, get a block each."""
    ex = excerpt(rule)
    dont_lang, do_lang = language(ex.dont.path), language(ex.do.path)
    named = DEFAULT_PATH not in (ex.dont.path, ex.do.path)  # a snippet without `path` is not "in" a file
    paths = named and (ex.dont.path != ex.do.path or rule.scope is Scope.project)
    if dont_lang == do_lang and dont_lang in HASH_COMMENTS:
        dont, do = _side_lines(ex.dont, "Don't", "#", paths), _side_lines(ex.do, "Do", "#", paths)
        spacing = _python_spacing(dont, do) if dont_lang == "python" else []
        return fence("\n".join([*dont, *spacing, *do]), dont_lang)
    blocks = []
    for side, label, lang_ in ((ex.dont, "Don't", dont_lang), (ex.do, "Do", do_lang)):
        code = "\n".join(line if line is not None else GAP for line in side.lines)
        blocks.append(f"{label} (`{side.path}`):\n\n{fence(code, lang_)}")
    return "\n\n".join(blocks)


def rule_compact(rule: Rule, *, code: bool = True, files: Sequence[str] = ()) -> str:
    """A rule in a few lines: a heading with its id, severity and how it is checked, its summary (and the
    `files` it is limited to, when given), then one block of Don't/Do excerpts; without `code`, one line."""
    opt = " · opt-in" if not rule.enabled_by_default else ""
    where = f" Files: {', '.join(f'`{g}`' for g in files)}." if files else ""
    head = f"`{rule.id}` · {rule.severity.value}{opt} · {checked_compact(rule)}"
    if not code:
        return f"- {head}: {one_line(rule.summary)}{where}"
    return f"### {head}\n\n{one_line(rule.summary)}{where}\n\n{excerpt_md(rule)}"


def checked_short(rule: Rule) -> str:
    ruff = f" · ruff {', '.join(rule.ruff)}" if rule.ruff else ""
    return ("verify" if rule.checked else "guidance") + fix_compact(rule) + ruff


def rule_heading(rule: Rule) -> str:
    opt = " · opt-in" if not rule.enabled_by_default else ""
    return f"`{rule.id}` · {rule.severity.value}{opt} — {one_line(rule.title)}"


def rule_section(rule: Rule, level: int = 3, *, rationale: bool = False) -> str:
    """A rule in full: heading, summary, first Don't and first Do example, fix, how it is checked."""
    parts = [f"{'#' * level} {rule_heading(rule)}", one_line(rule.summary)]
    if rationale:
        parts.append(f"Why: {one_line(rule.rationale)}")
    parts.append(example_md(rule.examples.dont[0], "Don't"))
    parts.append(example_md(rule.examples.do[0], "Do"))
    parts.append(f"Fix: {one_line(rule.fix)}")
    parts.append(checked_text(rule))
    return "\n\n".join(parts)


def dont_shapes(rule: Rule, limit: int = 3) -> str:
    """The titles of a rule's first Don't examples: the code shapes a reviewer looks for."""
    titles = [one_line(e.title) for e in rule.examples.dont if e.title][:limit]
    return "; ".join(titles) if titles else one_line(rule.summary)


def rule_reminder(rule: Rule) -> str:
    """A rule in a few lines, for files whose budget leaves no room for code."""
    return "\n".join(
        [
            f"- **`{rule.id}`** ({rule.severity.value}): {one_line(rule.summary)}",
            f"  Don't: {dont_shapes(rule)}.",
            f"  Fix: {one_line(rule.fix)}",
            f"  {checked_text(rule)}",
        ]
    )


def matrix_table(matrix: Matrix) -> str:
    rows = [(p.package, p.minimum, p.tested_with, p.why) for p in matrix.packages]
    return table(["Package", "Minimum", "Tested with", "Why this minimum"], rows)


def matrix_table_compact(matrix: Matrix) -> str:
    return table(
        ["Package", "Minimum", "Tested with"], [(p.package, p.minimum, p.tested_with) for p in matrix.packages]
    )


def banned_table_compact(matrix: Matrix) -> str:
    return table(["Package", "Use instead", "Rule"], [(b.package, b.replacement, f"`{b.rule}`") for b in matrix.banned])


def banned_table(matrix: Matrix) -> str:
    rows = [(b.package, b.reason, b.replacement, f"`{b.rule}`") for b in matrix.banned]
    return table(["Package", "Why not", "Use instead", "Rule"], rows)


def matrix_line(matrix: Matrix) -> str:
    pins = " · ".join(f"{p.package} ≥ {p.minimum} (tested {p.tested_with})" for p in matrix.packages)
    return pins


def minimums_line(matrix: Matrix) -> str:
    return " · ".join(f"{p.package} ≥ {p.minimum}" for p in matrix.packages)


def banned_line(matrix: Matrix) -> str:
    return " · ".join(f"{b.package} (use {b.replacement})" for b in matrix.banned)


EXCERPT, SUMMARY, TITLE = 2, 1, 0  # how much of a rule an entry shows


def entries(rules: Iterable[Rule], levels: Mapping[str, int]) -> str:
    """Rules as compact entries: a heading, the summary and a Don't/Do excerpt (`EXCERPT`), or one list line
    with the summary (`SUMMARY`) or the title (`TITLE`); consecutive list lines form one tight list."""
    parts: list[str] = []
    for rule in rules:
        level = levels.get(rule.id, EXCERPT)
        if level == EXCERPT:
            parts.append(rule_compact(rule))
            continue
        opt = " · opt-in" if not rule.enabled_by_default else ""
        text = one_line(rule.summary if level == SUMMARY else rule.title)
        line = f"- `{rule.id}` · {rule.severity.value}{opt}: {text}"
        if parts and parts[-1].startswith("- "):
            parts[-1] += "\n" + line
        else:
            parts.append(line)
    return "\n\n".join(parts)
