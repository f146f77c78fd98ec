"""Compact Don't/Do excerpts of a rule's own examples, for files with a tight size budget.

An excerpt never adds code: every line comes from the record's examples (only the common indentation of each
side is removed). The Don't side is the marked lines (`lines`, at most two) of a Don't example (the first one
with a Do file at the same path, else the first), with at most one line of context (the line opening the
block they sit in) and a gap marker where lines are skipped. The Do side is what replaces those lines in the
first Do file of the same path, found with `difflib.SequenceMatcher` (the changed Do lines most like each
marked line, with the lines next to them, at most three), or, without such a file, the Do lines most similar
(by tokens) to the marked ones. Import lines are left out unless a marked line is itself an import.
"""

from __future__ import annotations

import difflib
import io
import re
import textwrap
import tokenize
from dataclasses import dataclass
from pathlib import PurePosixPath

from bp_rules.schema.models import Example, ExampleFile, Rule

GAP = "..."  # shown as a comment line (`# ...`) where lines are skipped
MAX_MARKED = 2  # marked lines shown on the Don't side
MAX_DO = 3  # lines shown on the Do side
SECTION_SUFFIXES = (".toml", ".ini", ".cfg")  # top-level lines get their `[section]` header as context
_IMPORT = re.compile(r"^\s*(import\s|from\s+\S+\s+import\s)")
_TOKEN = re.compile(r"\w+|\S")


@dataclass(frozen=True)
class Side:
    path: str
    lines: tuple[str | None, ...]  # None marks a gap
    source: tuple[str, ...] = ()  # the file the lines come from, and their indices in it
    picked: tuple[int, ...] = ()

    def code_lines(self) -> list[str]:
        return [line for line in self.lines if line is not None]


@dataclass(frozen=True)
class Excerpt:
    dont: Side
    do: Side


def is_import(line: str) -> bool:
    return bool(_IMPORT.match(line))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _context(src: list[str], first: int, path: str) -> int | None:
    """The line opening the block that line `first` sits in: the nearest less indented line above it (or,
    at the top level of a TOML/INI file, its `[section]` header); None at a plain top level."""
    indent = _indent(src[first])
    for index in range(first - 1, -1, -1):
        line = src[index]
        if not line.strip() or line.lstrip()[0] in ")]}":
            continue
        if indent > 0 and _indent(line) < indent:
            return None if is_import(line) else index
        if indent == 0 and PurePosixPath(path).suffix in SECTION_SUFFIXES and line.lstrip().startswith("["):
            return index
    return None


def _side(path: str, src: list[str], indices: list[int]) -> Side:
    """The chosen lines, dedented together, with a gap wherever a skipped line has text."""
    picked: list[int] = sorted(set(indices))
    dedented = textwrap.dedent("\n".join(src[i] for i in picked)).split("\n")
    lines: list[str | None] = []
    previous: int | None = None
    for index, text in zip(picked, dedented, strict=True):
        if previous is not None and any(src[k].strip() for k in range(previous + 1, index)):
            lines.append(None)
        lines.append(text.rstrip())
        previous = index
    return Side(path, tuple(lines), tuple(src), tuple(picked))


def _marked_file(example: Example) -> ExampleFile:
    files = example.as_files()
    return next((f for f in files if f.lines), files[0])


def _do_file(rule: Rule, path: str) -> ExampleFile | None:
    """The file at `path` in the first Do example that has one."""
    for example in rule.examples.do:
        for file in example.as_files():
            if file.path == path:
                return file
    return None


def _keep(line: str, imports: bool) -> bool:
    return bool(line.strip()) and (imports or not is_import(line))


def _similarity(tokens: list[str], line: str) -> float:
    return difflib.SequenceMatcher(None, tokens, _TOKEN.findall(line), autojunk=False).ratio()


def _candidate(line: str, imports: bool) -> bool:
    """A line worth showing: not blank, not only punctuation, and not an import unless imports are the point."""
    return _keep(line, imports) and bool(re.search(r"\w", line))


def _anchored(wanted: str, do: list[str], j1: int, j2: int, imports: bool) -> tuple[int, list[int]] | None:
    """The line of `do[j1:j2]` most like `wanted`, and the run of lines around it up to a blank line."""
    tokens = _TOKEN.findall(wanted)
    scored = [(-_similarity(tokens, do[j]), j) for j in range(j1, j2) if _candidate(do[j], imports)]
    if not scored:
        return None
    anchor = min(scored)[1]
    start, end = anchor, anchor + 1
    while start > j1 and do[start - 1].strip():
        start -= 1
    while end < j2 and do[end].strip():
        end += 1
    run = [j for j in range(start, end) if _keep(do[j], imports)]
    first = max(0, run.index(anchor) - MAX_DO + 1)
    return anchor, run[first : first + MAX_DO]


def _replacing(dont: list[str], do: list[str], marked: list[int], imports: bool) -> list[int]:
    """The Do lines that replace the marked Don't lines: for each marked line, the changed Do lines it maps
    to (the most similar one, with the lines next to it); when the marked lines are unchanged in the Do file,
    the changed Do lines most like them."""
    opcodes = [op for op in difflib.SequenceMatcher(None, dont, do, autojunk=False).get_opcodes() if op[0] != "equal"]

    def touches(op: tuple[str, int, int, int, int], i: int) -> bool:
        _, i1, i2, _, _ = op
        return i1 in (i, i + 1) if i1 == i2 else i1 <= i < i2  # an insertion right after a line replaces it

    found = []
    for i in marked:
        for op in [op for op in opcodes if touches(op, i)] or opcodes:
            hit = _anchored(dont[i], do, op[3], op[4], imports)
            if hit is not None:
                found.append(hit)
    picked = sorted({anchor for anchor, _ in found})[:MAX_DO]
    for _, run in found:
        for j in run:
            if len(picked) < MAX_DO and j not in picked:
                picked.append(j)
    return sorted(picked)


def _most_similar(dont: list[str], files: list[ExampleFile], marked: list[int], imports: bool) -> Side | None:
    """For each marked line, the most similar line (by tokens) of the Do files; the side shows the lines
    found in the file with the best match overall (the earlier file on a tie)."""
    best: dict[int, list[tuple[float, int]]] = {}  # file number -> (minus similarity, line) per marked line
    for target in marked:
        tokens = _TOKEN.findall(dont[target])
        scored = [
            (-_similarity(tokens, line), number, index)
            for number, file in enumerate(files)
            for index, line in enumerate(file.code.splitlines())
            if _candidate(line, imports)
        ]
        if scored:
            score, number, index = min(scored)
            best.setdefault(number, []).append((score, index))
    if not best:
        return None
    number = min(best, key=lambda n: (min(score for score, _ in best[n]), n))
    return _side(files[number].path, files[number].code.splitlines(), sorted({i for _, i in best[number]})[:MAX_DO])


def _home(rule: Rule, path: str) -> list[ExampleFile]:
    """The files of the first Do example with a file at `path`, else of the first Do example."""
    for example in rule.examples.do:
        files = example.as_files()
        if any(f.path == path for f in files):
            return files
    return rule.examples.do[0].as_files()


def _stripped(side: Side) -> list[str]:
    return [line.strip() for line in side.code_lines()]


def excerpt(rule: Rule) -> Excerpt:
    """The Don't/Do excerpt of a rule (see the module docstring). The Don't side comes from the first Don't
    example whose marked file has a Do counterpart at the same path, else from the first Don't example."""
    chosen = next(
        (e for e in rule.examples.dont if _do_file(rule, _marked_file(e).path) is not None), rule.examples.dont[0]
    )
    marked_file = _marked_file(chosen)
    dont = marked_file.code.splitlines()
    marked = sorted({n - 1 for n in marked_file.lines if 0 < n <= len(dont)})[:MAX_MARKED]
    if not marked:  # no marked line: the first line that is not an import stands for the example
        marked = [next((i for i, line in enumerate(dont) if _keep(line, False)), 0)]
    imports = any(is_import(dont[i]) for i in marked)
    context = _context(dont, marked[0], marked_file.path)
    dont_side = _side(marked_file.path, dont, [*marked, *([] if context is None else [context])])
    same = _do_file(rule, marked_file.path)
    do_side = None
    if same is not None:
        src = same.code.splitlines()
        picked = _replacing(dont, src, marked, imports)
        if picked:
            do_side = _side(same.path, src, picked)
    home = _home(rule, marked_file.path)
    if do_side is None:
        do_side = _most_similar(dont, home, marked, imports)
    if do_side is None:
        do_side = _most_similar(dont, [f for e in rule.examples.do for f in e.as_files()], marked, imports)
    if do_side is None:  # a Do example made only of imports: show its first line
        do_side = _side(home[0].path, home[0].code.splitlines(), [0])
    if do_side.path == dont_side.path and _stripped(do_side) == [dont[i].strip() for i in marked]:
        # the marked lines stay as they are in the Do example: what differs is a file it adds
        dont_paths = {f.path for f in chosen.as_files()}
        added = next((f for f in home if f.path not in dont_paths), None)
        if added is not None:
            src = added.code.splitlines()
            first = next((i for i, line in enumerate(src) if _candidate(line, imports)), 0)
            do_side = _side(added.path, src, [first])
    return Excerpt(complete(dont_side), complete(do_side))


# --- whole statements ----------------------------------------------------------------------------------


def _depths(path: str, src: list[str]) -> list[tuple[int, int]] | None:
    """(bracket depth at the start, at the end) of each line, strings and comments skipped; None when a
    Python file does not tokenize."""
    if language_of(path) == "python":
        try:
            tokens = list(tokenize.generate_tokens(io.StringIO("\n".join(src) + "\n").readline))
        except (tokenize.TokenError, SyntaxError):
            return None
        changes = [0] * (len(src) + 2)
        for token in tokens:
            if token.type == tokenize.OP and token.string in "([{":
                changes[token.start[0]] += 1
            elif token.type == tokenize.OP and token.string in ")]}":
                changes[token.start[0]] -= 1
        depth = 0
        out = []
        for number in range(1, len(src) + 1):
            start = depth
            depth = max(0, depth + changes[number])
            out.append((start, depth))
        return out
    out, depth = [], 0
    for line in src:
        start = depth
        text = re.sub(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'', "", line).split("#", 1)[0]
        depth = max(0, depth + sum(text.count(c) for c in "([{") - sum(text.count(c) for c in ")]}"))
        out.append((start, depth))
    return out


def language_of(path: str) -> str:
    return "python" if path.endswith(".py") else PurePosixPath(path).suffix


def _brackets(index: int, depths: list[tuple[int, int]]) -> set[int]:
    """The lines that open and close the brackets line `index` sits in or leaves open."""
    out = set()
    start, end = depths[index]
    level = start
    for j in range(index - 1, -1, -1):  # the openers of the enclosing brackets
        if level == 0:
            break
        if depths[j][0] < level:
            out.add(j)
            level = depths[j][0]
    target = min(start, level)
    if end > target:
        for k in range(index + 1, len(depths)):  # where the outermost one closes again
            if depths[k][1] <= target:
                out.add(k)
                break
    return out


def _is_header(line: str, depth_end: int) -> bool:
    code = line.split("#", 1)[0].rstrip()
    return depth_end == 0 and code.endswith(":") and not code.lstrip().startswith(("lambda", "#"))


def _body_start(src: list[str], header: int) -> int | None:
    """The first line of a block's body: the next line with text, indented deeper than the header's
    statement (the statement may start lines above a multi-line header)."""
    indent = _indent(src[header])
    for k in range(header + 1, len(src)):
        if src[k].strip():
            return k if _indent(src[k]) > indent else None
    return None


def complete(side: Side) -> Side:
    """`side` with whole statements: every bracket a shown line sits in is opened and closed (the lines in
    between stay a gap), and a block header (`def ...:`, `class ...:`, `try:`) is followed by the first
    line of its body (itself completed), a decorator by what it decorates. An excerpt then never ends on a
    dangling header or cuts a literal."""
    src = list(side.source)
    if not src or not side.picked:
        return side
    depths = _depths(side.path, src)
    if depths is None:
        return side
    picked = set(side.picked)
    python = language_of(side.path) == "python"
    for _ in range(len(src)):
        added = set()
        for index in picked:
            added |= _brackets(index, depths)
        if python:
            kept = sorted(picked | added)
            for index in kept:
                statement_end = min((k for k in kept if k >= index and depths[k][1] == 0), default=index)
                if src[index].lstrip().startswith("@"):  # a decorator needs what it decorates
                    decorated = next((k for k in range(statement_end + 1, len(src)) if src[k].strip()), None)
                    if decorated is not None:
                        added.add(decorated)
                    continue
                if not _is_header(src[statement_end], depths[statement_end][1]):
                    continue
                following = [k for k in kept if k > statement_end]
                if following and _indent(src[following[0]]) > _indent(src[index]):
                    continue
                body = _body_start(src, statement_end)
                if body is not None:
                    added.add(body)
        if added <= picked:
            break
        picked |= added
    if picked == set(side.picked):
        return side
    return _side(side.path, src, sorted(picked))
