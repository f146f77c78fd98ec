"""Per-file results cached in `.bp-rules-cache/`, keyed by content hash, pack and config.

The cache is JSON, never pickle: a checked-out repository could ship a crafted cache file, and loading it
must not run code. Cross-file findings are not cached: phase 2 reruns on the cached summaries every time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import tempfile
from pathlib import Path

from bp_rules import __version__
from bp_rules.validator.file_result import FileResult
from bp_rules.validator.registry import Finding
from bp_rules.validator.summary import Call, ClassInfo, FileSummary, Function, Import, Param, Route

CACHE_DIR = ".bp-rules-cache"
# bump when the same file content would now be analyzed differently (decoding, suppression parsing)
CACHE_FORMAT = 2


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
                    "decorators": tuple(c["decorators"]),
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
        facts=d.get("facts") or {},
    )


class ResultCache:
    """Two JSON files: a small index (digests, local findings, the last project-wide findings) read on every
    run, and the summaries, read only when some file changed and phase 2 has to run again."""

    def __init__(self, root: Path, key: str):
        self.dir = root / CACHE_DIR / f"{__version__}-{CACHE_FORMAT}"
        self.index_file = self.dir / f"{key}.index.json"
        self.summary_file = self.dir / f"{key}.summaries.json"
        self.files: dict[str, dict] = {}
        self.project: dict = {}
        self._summaries: dict[str, dict] | None = None
        self.dirty = False
        with contextlib.suppress(OSError, ValueError):
            data = json.loads(self.index_file.read_text(encoding="utf-8"))
            if isinstance(data, dict) and isinstance(data.get("files"), dict):
                self.files = {k: v for k, v in data["files"].items() if isinstance(v, dict)}
                project = data.get("project")
                self.project = project if isinstance(project, dict) else {}

    def lookup(self, path: str, digest: str):
        """The cached result of a file whose content hashes to `digest`, without its summary yet."""
        entry = self.files.get(path)
        if entry is None or entry.get("digest") != digest:
            return None
        try:
            findings = [Finding(**f) for f in entry["findings"]]
            suppressions = {int(k): frozenset(v) for k, v in entry["suppressions"].items()}
        except (KeyError, TypeError, AttributeError, ValueError):
            return None
        revision = entry.get("revision")
        not_python = entry.get("not_python")
        return FileResult(
            path,
            digest,
            None,
            findings,
            suppressions,
            revision if isinstance(revision, list) else None,
            not_python if isinstance(not_python, str) else None,
        )

    def summary(self, path: str) -> FileSummary | None:
        if self._summaries is None:
            self._summaries = {}
            with contextlib.suppress(OSError, ValueError):
                data = json.loads(self.summary_file.read_text(encoding="utf-8"))
                if isinstance(data, dict):
                    self._summaries = {k: v for k, v in data.items() if isinstance(v, dict)}
        raw = self._summaries.get(path)
        if raw is None or raw.get("digest") != self.files.get(path, {}).get("digest"):
            return None
        try:
            return summary_from_json(raw["summary"])
        except (KeyError, TypeError, AttributeError, ValueError):
            return None

    def project_findings(self, digest: str) -> list[Finding] | None:
        if self.project.get("digest") != digest:
            return None
        try:
            return [Finding(**f) for f in self.project["findings"]]
        except (KeyError, TypeError, AttributeError, ValueError):
            return None

    def put(self, result) -> None:
        if not result.digest:
            return
        self.files[result.path] = {
            "digest": result.digest,
            "findings": [dataclasses.asdict(f) for f in result.findings],
            "suppressions": {str(k): sorted(v) for k, v in result.suppressions.items()},
            "revision": result.revision,
            "not_python": result.not_python,
        }
        if self._summaries is None:
            self.summary(result.path)  # load the existing summaries before adding to them
        self._summaries[result.path] = {
            "digest": result.digest,
            "summary": dataclasses.asdict(result.summary) if result.summary else None,
        }
        self.dirty = True

    def set_project(self, digest: str, findings: list[Finding]) -> None:
        self.project = {"digest": digest, "findings": [dataclasses.asdict(f) for f in findings]}
        self.dirty = True

    def prune(self, keep: set[str]) -> None:
        for path in set(self.files) - keep:
            del self.files[path]
            self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            gitignore = self.dir.parent / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("# created by bp-rules\n*\n", encoding="utf-8")
            _write_json(self.index_file, {"files": self.files, "project": self.project})
            if self._summaries is not None:
                summaries = {p: v for p, v in self._summaries.items() if p in self.files}
                _write_json(self.summary_file, summaries)
        except OSError:
            pass  # a read-only checkout still gets its results, just not cached


def _write_json(path: Path, data) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            # dumps, not dump: `json.dump` encodes piecewise in Python, `dumps` in C, ten times as fast
            out.write(json.dumps(data, separators=(",", ":")))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
