"""Where the loader caches a validated pack, and a fast read of it for `bp-rules rules list`.

This module imports neither YAML nor pydantic: listing the rules reads the JSON the loader wrote when it last
validated the same records (keyed by their bytes), which takes a fraction of loading the models.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from bp_rules import __version__

MATRIX_FILE = "matrix.yaml"


def builtin_rules_dir() -> Path:
    return Path(__file__).parent / "rules"


def record_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*.yaml") if p.name != MATRIX_FILE)


def cache_file(directory: Path) -> Path | None:
    """Where a validated copy of a pack lives, keyed by the bytes of every record (JSON: loading runs no code)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    digest = hashlib.sha256(__version__.encode())
    try:
        for path in [*record_files(directory), directory / MATRIX_FILE]:
            if path.exists():
                digest.update(str(path.relative_to(directory)).encode() + b"\0" + path.read_bytes())
    except OSError:
        return None
    return Path(base) / "bp-rules" / f"pack-{digest.hexdigest()[:24]}.json"


def cached_records(directories: list[Path]) -> dict[str, dict] | None:
    """The records of the packs (a later pack's record replaces an earlier one with its id) as the loader
    validated them, or None when any pack has no up-to-date cache (then load it for real)."""
    records: dict[str, dict] = {}
    for directory in directories:
        cache = cache_file(directory) if directory.is_dir() else None
        if cache is None or not cache.is_file():
            return None
        try:
            rules = json.loads(cache.read_text(encoding="utf-8"))["rules"]
            records.update({r["id"]: r for r in rules})
        except (OSError, ValueError, KeyError, TypeError):
            return None
    return records
