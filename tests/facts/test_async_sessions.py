"""What an `AsyncSession` does with objects after `commit()`, depending on `expire_on_commit`."""

from __future__ import annotations

import asyncio
import gc
import warnings

import pytest
from sqlalchemy import String
from sqlalchemy.exc import MissingGreenlet, StatementError
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tests.facts.backs import backs

RULE = "db-async-session-factory"


class Base(DeclarativeBase):
    pass


class Post(Base):
    __tablename__ = "post"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(50))


def _title_after_commit(expire_on_commit: bool) -> str:
    async def run() -> str:
        engine = create_async_engine("sqlite+aiosqlite://")
        try:
            async with engine.begin() as connection:
                await connection.run_sync(Base.metadata.create_all)
            async with async_sessionmaker(engine, expire_on_commit=expire_on_commit)() as session:
                post = Post(title="Hello")
                session.add(post)
                await session.commit()
                return post.title  # a plain attribute read, as when FastAPI serializes the object
        finally:
            await engine.dispose()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the failed refresh leaves a coroutine never awaited
        try:
            return asyncio.run(run())
        finally:
            gc.collect()


@backs(RULE)
def test_reading_an_attribute_expired_by_commit_raises_missing_greenlet():
    with pytest.raises(StatementError) as caught:
        _title_after_commit(expire_on_commit=True)
    assert isinstance(caught.value.orig, MissingGreenlet)


@backs(RULE)
def test_with_expire_on_commit_false_the_attribute_is_still_loaded():
    assert _title_after_commit(expire_on_commit=False) == "Hello"
