"""Where the migration rules look: alembic.ini and [tool.alembic] read as Alembic reads them."""

from __future__ import annotations

from bp_rules.validator.alembic_config import read_setup
from tests.conftest import verify_tree

ENV_SYNC = """\
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
connectable = engine_from_config(config.get_section(config.config_ini_section, {}), poolclass=pool.NullPool)
with connectable.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
"""
ASYNC_APP = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("postgresql+asyncpg://app@db/app", pool_pre_ping=True)
SessionFactory = async_sessionmaker(engine, expire_on_commit=False)
"""
EMPTY_DOWNGRADE = '''\
"""add post summary column

Revision ID: 5e2f9b7c1a30
Revises: 4b1d2c3e5f60
Create Date: 2026-01-15 09:12:45.031877

"""
import sqlalchemy as sa
from alembic import op

revision = "5e2f9b7c1a30"
down_revision = "4b1d2c3e5f60"


def upgrade() -> None:
    op.add_column("post", sa.Column("summary", sa.Text(), nullable=True))


def downgrade() -> None:
    pass
'''


def test_ini_interpolation_here_and_the_template_line():
    ini = (
        "[alembic]\n# comment\nscript_location = %(here)s/db\n"
        "file_template = %%(year)d-%%(month).2d-%%(day).2d_%%(slug)s\n"
    )
    setup = read_setup({"backend/alembic.ini": ini})
    (entry,) = setup.files
    assert entry.script_location == "backend/db"
    assert entry.file_template is not None
    assert entry.file_template.value == "%(year)d-%(month).2d-%(day).2d_%(slug)s"
    assert entry.file_template.line == 4
    assert setup.version_dirs() == ["alembic/versions", "migrations/versions", "backend/db/versions"]


def test_package_resource_locations_and_named_sections():
    ini = "[alembic]\nfile_template = %%(rev)s\n\n[core]\nscript_location = dispatch:database/revisions/core\n"
    setup = read_setup({"src/dispatch/alembic.ini": ini}, ["src/dispatch/__init__.py", "src/dispatch/main.py"])
    assert "src/dispatch/database/revisions/core" in setup.script_dirs()


def test_pyproject_tool_alembic_is_interpolated_like_alembic():
    toml = (
        '[project]\nname = "x"\n\n[tool.alembic]\n'
        'script_location = "%(here)s/migrations"\nfile_template = "%%(slug)s"\n'
    )
    setup = read_setup({"pyproject.toml": toml})
    (entry,) = setup.files
    assert entry.script_location == "migrations"
    assert entry.file_template is not None
    assert (entry.file_template.value, entry.file_template.line) == ("%(slug)s", 6)


def test_a_malformed_ini_is_one_problem_not_a_crash():
    setup = read_setup({"alembic.ini": "script_location = alembic\n[alembic\n"})
    assert [(p.path, p.line) for p in setup.problems] == [("alembic.ini", 1)]
    assert setup.files == []


def test_a_pyproject_without_alembic_is_not_read():
    setup = read_setup({"pyproject.toml": "[project\nname = 1\n"})
    assert setup.problems == [] and setup.files == []


def test_migration_rules_follow_script_location(tmp_path, pack):
    files = {
        "alembic.ini": "[alembic]\nscript_location = db/migrations\n"
        "file_template = %%(year)d-%%(month).2d-%%(day).2d_%%(slug)s\n",
        "src/database.py": ASYNC_APP,
        "db/migrations/env.py": ENV_SYNC,
        "db/migrations/versions/2026-01-15_add_post_summary_column.py": EMPTY_DOWNGRADE,
    }
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    findings = verify_tree(tmp_path, pack, select=("migrations",))
    got = {(f.rule, f.path, f.line) for f in findings}
    assert got == {
        ("migrations-async-env", "db/migrations/env.py", 5),
        ("migrations-reversible", "db/migrations/versions/2026-01-15_add_post_summary_column.py", 19),
    }
