"""The import graph of the bp_rules package, read from the source, and its cycles.

The graph is read from the source with `ast`: every import counts, at module level, inside a function or
under `TYPE_CHECKING`, and so does a module named whole in a string (the command line's lazy commands,
"bp_rules.validator.command:verify"), because it is imported as surely as an import statement.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import bp_rules

SOURCE = Path(bp_rules.__file__).parent
NAMED_MODULE = re.compile(r"bp_rules(?:\.\w+)*(?=(?::\w+)?$)")


def modules(root: Path = SOURCE) -> dict[str, tuple[Path, bool]]:
    """Each module's dotted name -> (file, is a package)."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        package = parts[-1] == "__init__"
        out[".".join(parts[:-1] if package else parts)] = (path, package)
    return out


def _closest(name: str, known: dict) -> str | None:
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(name: str, path: Path, package: bool, known: dict) -> set[str]:
    """The project modules one module imports: the named submodule where `from package import submodule`."""
    here = name if package else name.rpartition(".")[0]
    out: set[str | None] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(_closest(alias.name, known) for alias in node.names if alias.name.startswith("bp_rules"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = here.split(".")[: len(here.split(".")) - node.level + 1]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            if base.split(".")[0] != "bp_rules":
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                out.add(sub if sub in known else _closest(base, known))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            match = NAMED_MODULE.match(node.value)
            if match and match.group() in known:
                out.add(match.group())
    out.discard(None)
    out.discard(name)
    return out  # type: ignore[return-value]


def import_graph(root: Path = SOURCE) -> dict[str, set[str]]:
    known = modules(root)
    return {name: imports_of(name, path, package, known) for name, (path, package) in known.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each strongly connected group of two or more modules, as one cycle through it (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            step = next(edges, None)
            if step is not None:
                if step not in index:
                    index[step] = low[step] = len(index)
                    stack.append(step)
                    on_stack.add(step)
                    work.append((step, iter(sorted(graph.get(step, ())))))
                elif step in on_stack:
                    low[node] = min(low[node], index[step])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(group)
    return [_cycle_through(group, graph) for group in groups]


def _cycle_through(group: set[str], graph: dict[str, set[str]]) -> list[str]:
    """A shortest cycle from the group's first module back to itself, staying inside the group."""
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for step in sorted(graph[node] & group):
                if step == start:
                    return [*paths[node], start]
                if step not in paths:
                    paths[step] = [*paths[node], step]
                    following.append(step)
        frontier = following
    raise AssertionError("a strongly connected group always has a cycle")
