"""Per-file results held in memory by a long-lived process (the MCP server).

The disk cache keeps summaries as JSON and decodes them only when phase 2 has to run again; a server that
checks snippet after snippet re-runs phase 2 on every call, so it keeps the decoded results instead. A file
is re-read only when its size or modification time changed.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bp_rules.schema.loader import Pack
    from bp_rules.validator.file_result import FileResult
    from bp_rules.validator.registry import Finding


class Memory:
    def __init__(self) -> None:
        self.key = ""
        self.results: dict[str, FileResult] = {}
        self._stats: dict[str, tuple[int, int, str]] = {}  # path -> (mtime_ns, size, digest)
        self.project: tuple[str, list[Finding]] | None = None
        self.state: object = None  # the phase-1 state (checks built for the selected rules) of this key
        self._pack: tuple[Pack, str] | None = None
        self.router_scans: dict[str, tuple] = {}  # content hash -> what `routers.scan` found in the file

    def fingerprint(self, pack: Pack) -> str:
        """The pack's fingerprint, hashed once per pack object (a session reloads the pack when it changes)."""
        if self._pack is None or self._pack[0] is not pack:
            self._pack = (pack, pack.fingerprint)
        return self._pack[1]

    def bind(self, key: str) -> None:
        """Results are valid for one pack and configuration; a new key drops them."""
        if key != self.key:
            self.key = key
            self.results.clear()
            self.project = None
            self.state = None

    def digest(self, path: str, absolute: Path) -> str:
        """The content hash of a file, re-read only when its size or modification time changed."""
        stat = os.stat(absolute)
        known = self._stats.get(path)
        if known is not None and known[:2] == (stat.st_mtime_ns, stat.st_size):
            return known[2]
        digest = hashlib.sha256(absolute.read_bytes()).hexdigest()
        self._stats[path] = (stat.st_mtime_ns, stat.st_size, digest)
        return digest

    def lookup(self, path: str, digest: str) -> FileResult | None:
        hit = self.results.get(path)
        return hit if hit is not None and hit.digest == digest and hit.summary is not None else None

    def keep(self, results: dict[str, FileResult], sources: set[str]) -> None:
        """Remember the results of files read from disk (never a snippet checked in a file's place)."""
        for path, result in results.items():
            if path not in sources and result.summary is not None and result.digest:
                self.results[path] = result
        for path in set(self.results) - set(results) - sources:
            del self.results[path]
            self._stats.pop(path, None)

    def project_findings(self, digest: str) -> list[Finding] | None:
        return self.project[1] if self.project is not None and self.project[0] == digest else None
