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
import re
import textwrap
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
    return Side(path, tuple(lines))


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
    return Excerpt(dont_side, do_side)
