"""Parsing with libcst, the last tree kept: checking a snippet and then describing the fixes of its findings
(`check_code`, `fix_code`) parse the same text twice, and a libcst tree is immutable, so both can share it."""

from __future__ import annotations

import libcst as cst

_last: tuple[str, cst.Module] | None = None


def parse_module(text: str) -> cst.Module:
    """`cst.parse_module(text)`; the same text parsed just before gives the same tree back."""
    global _last
    if _last is not None and _last[0] == text:
        return _last[1]
    tree = cst.parse_module(text)
    _last = (text, tree)
    return tree
