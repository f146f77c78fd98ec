"""The project's own router types, found before phase 1 from file texts alone.

A route on `router = UserAPIRouter(...)` is a route only if `UserAPIRouter` is an `APIRouter`, and that class
is usually defined in another module, which a per-file pass cannot see. So before phase 1 a cheap scan of
every file's text (regular expressions, no parse) collects the names of classes that subclass
`APIRouter`/`FastAPI` (transitively) and of functions annotated to return one (`-> APIRouter`,
`-> type[APIRouter]`). Phase 1 treats a call of any of these names as making a router. Names are bare
(`UserAPIRouter`), as the indexer's fallback for `APIRouter` itself already is: cheap, and a project rarely
reuses a router's class name for something else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

BUILTIN_ROUTERS = frozenset({"APIRouter", "FastAPI"})

# Each pattern starts with a literal, which `re` finds with a fast substring search; patterns starting with
# `^\s*` or `\w+` are tried at every position and cost seconds on a large tree.
_CLASS = re.compile(r"class[ \t]+(\w+)[ \t]*\(([^)]*)\)[ \t]*:")
# a return annotation; the function it belongs to is the nearest `def` before it
_RETURNS = re.compile(r"->[ \t]*(?:type\[)?[\"']?([\w.]+)[\"']?\]?[ \t]*:")
_DEF = re.compile(r"def[ \t]+(\w+)")
_HINTS = ("Router", "FastAPI")
_AS = re.compile(r" as[ \t]+(\w+)")  # `from fastapi import APIRouter as _APIRouter`


def _word_before(text: str, end: int) -> str:
    head = text[max(0, end - 80) : end].rstrip(" \t")
    start = len(head)
    while start and (head[start - 1].isalnum() or head[start - 1] == "_"):
        start -= 1
    return head[start:]


def _last(name: str) -> str:
    return name.strip().rsplit(".", 1)[-1]


Scan = tuple[tuple[tuple[str, tuple[str, ...]], ...], tuple[tuple[str, str], ...]]


def scan(text: str) -> Scan:
    """One file's candidates: (class, its bases) pairs, import aliases among them, and (function, the type
    it is annotated to return) pairs."""
    if not any(hint in text for hint in _HINTS):
        return (), ()  # a router type is named after what it is, or derives from a class that is
    classes: list[tuple[str, tuple[str, ...]]] = []
    factories: list[tuple[str, str]] = []
    for match in _CLASS.finditer(text):
        if text[text.rfind("\n", 0, match.start()) + 1 : match.start()].strip():
            continue  # `class` inside a line: a string or a keyword argument, not a class statement
        bases = tuple(_last(b.split("[", 1)[0]) for b in match.group(2).split(",") if "=" not in b)
        classes.append((match.group(1), bases))
    for match in _RETURNS.finditer(text):
        start = text.rfind("def ", 0, match.start())
        name = _DEF.match(text, start) if start >= 0 else None
        if name is not None:
            factories.append((name.group(1), _last(match.group(1))))
    for match in _AS.finditer(text):
        before = _word_before(text, match.start())
        if before:
            classes.append((match.group(1), (before,)))
    return tuple(classes), tuple(factories)


def resolve(scans: list[Scan]) -> frozenset[str]:
    """Names that make routers in this project: `APIRouter`, `FastAPI`, their subclasses and factories."""
    classes = [c for found, _ in scans for c in found]
    factories = [f for _, found in scans for f in found]
    names = set(BUILTIN_ROUTERS)
    changed = True
    while changed:  # subclasses of subclasses: a few rounds at most
        changed = False
        for name, bases in classes:
            if name not in names and any(b in names for b in bases):
                names.add(name)
                changed = True
    names.update(name for name, returned in factories if returned in names)
    return frozenset(names)


def router_names(texts: Iterable[str]) -> frozenset[str]:
    return resolve([scan(text) for text in texts])
