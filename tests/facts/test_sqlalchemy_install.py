"""SQLAlchemy 2.1 installs `greenlet`, which its asyncio extension needs, only through the `asyncio` extra."""

from __future__ import annotations

from importlib import metadata

from packaging.requirements import Requirement

from tests.facts.backs import backs


@backs("db-sqlalchemy-async")
def test_greenlet_comes_only_with_the_asyncio_extra():
    greenlet = [Requirement(r) for r in metadata.requires("sqlalchemy") or [] if r.startswith("greenlet")]
    assert greenlet
    assert all(r.marker is not None and "extra" in str(r.marker) and "asyncio" in str(r.marker) for r in greenlet)
