from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bp_rules.schema.loader import Pack, load_pack
from bp_rules.validator.config import load_config
from bp_rules.validator.engine import run
from bp_rules.validator.files import collect


@pytest.fixture(scope="session")
def pack() -> Pack:
    return load_pack()


def write_tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def verify_tree(root: Path, pack: Pack, **config) -> list:
    """Run the whole validator on a directory as its project (settings and layout discovered, as a user's run
    would), in process and without a cache; keyword arguments override the settings."""
    cfg = replace(load_config(root.resolve()), **config)
    files = collect([root], cfg)
    return run(pack, cfg, files, jobs=1, use_cache=False).findings
