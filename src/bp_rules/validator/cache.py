"""Per-file results cached in `.bp-rules-cache/`, keyed by content hash, pack and config.

The cache is JSON, never pickle: a checked-out repository could ship a crafted cache file, and loading it
must not run code. Cross-file findings are not cached: phase 2 reruns on the cached summaries every time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import tempfile
from pathlib import Path

from bp_rules import __version__
from bp_rules.validator.registry import Finding
from bp_rules.validator.summary import Call, ClassInfo, FileSummary, Function, Import, Param, Route

CACHE_DIR = ".bp-rules-cache"


def _tuple_span(value):
    return tuple(value) if isinstance(value, list) else value


def _param(d: dict) -> Param:
    return Param(**{**d, "span": tuple(d["span"]), "default_span": tuple(d["default_span"])})


def _route(d: dict) -> Route:
    return Route(**{**d, "keywords": tuple(d["keywords"]), "span": tuple(d["span"])})


def _call(d: dict) -> Call:
    return Call(
        **{**d, "span": tuple(d["span"]), "keywords": tuple(d["keywords"]), "passed_refs": tuple(d["passed_refs"])}
    )


def summary_from_json(d: dict) -> FileSummary:
    return FileSummary(
        path=d["path"],
        module=d["module"],
        imports=[Import(**{**i, "span": tuple(i["span"])}) for i in d["imports"]],
        functions=[
            Function(
                **{
                    **f,
                    "span": tuple(f["span"]),
                    "params": [_param(p) for p in f["params"]],
                    "calls": [_call(c) for c in f["calls"]],
                    "routes": [_route(r) for r in f["routes"]],
                    "decorators": tuple(f["decorators"]),
                    "dependencies": tuple(f["dependencies"]),
                }
            )
            for f in d["functions"]
        ],
        classes=[
            ClassInfo(
                **{
                    **c,
                    "bases": tuple(c["bases"]),
                    "span": tuple(c["span"]),
                    "keywords": tuple(tuple(k) for k in c["keywords"]),
                }
            )
            for c in d["classes"]
        ],
        routers=d["routers"],
        aliases={k: _param(v) for k, v in d["aliases"].items()},
        assigned_calls=d["assigned_calls"],
        route_endpoints=[(e, _route(r)) for e, r in d["route_endpoints"]],
        module_calls=[_call(c) for c in d["module_calls"]],
        syntax_error=d["syntax_error"],
    )


class ResultCache:
    def __init__(self, root: Path, key: str):
        self.file = root / CACHE_DIR / __version__ / f"{key}.json"
        self.entries: dict[str, dict] = {}
        self.dirty = False
        with contextlib.suppress(OSError, ValueError):
            data = json.loads(self.file.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                self.entries = data

    def get(self, path: str, absolute: Path):
        from bp_rules.validator.engine import FileResult

        entry = self.entries.get(path)
        if entry is None:
            return None
        try:
            digest = hashlib.sha256(absolute.read_bytes()).hexdigest()
        except OSError:
            return None
        if entry.get("digest") != digest:
            return None
        try:
            summary = summary_from_json(entry["summary"]) if entry["summary"] else None
            findings = [Finding(**f) for f in entry["findings"]]
            suppressions = {int(k): frozenset(v) for k, v in entry["suppressions"].items()}
        except (KeyError, TypeError):
            return None
        return FileResult(path, digest, summary, findings, suppressions)

    def put(self, result) -> None:
        if not result.digest:
            return
        self.entries[result.path] = {
            "digest": result.digest,
            "summary": dataclasses.asdict(result.summary) if result.summary else None,
            "findings": [dataclasses.asdict(f) for f in result.findings],
            "suppressions": {str(k): sorted(v) for k, v in result.suppressions.items()},
        }
        self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            gitignore = self.file.parent.parent / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("# created by bp-rules\n*\n", encoding="utf-8")
            fd, tmp = tempfile.mkstemp(dir=self.file.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(self.entries, out, separators=(",", ":"))
            os.replace(tmp, self.file)
        except OSError:
            pass  # a read-only checkout still gets its results, just not cached
