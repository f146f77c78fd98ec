"""Rules that check new revisions only leave applied history alone: heads and touched revisions are new."""

from __future__ import annotations

from bp_rules.validator.config import Config
from bp_rules.validator.engine import run
from bp_rules.validator.files import collect
from bp_rules.validator.migration_history import applied
from tests.conftest import write_tree


def revision(rev: str, down: str | None, table: str) -> str:
    down_text = f'"{down}"' if down else "None"
    return (
        f'"""create {table} table\n\nRevision ID: {rev}\n"""\n'
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        f'revision = "{rev}"\ndown_revision = {down_text}\n\n\n'
        f'def upgrade():\n    op.create_table("{table}", sa.Column("id", sa.Integer(), primary_key=True))\n\n\n'
        f'def downgrade():\n    op.drop_table("{table}")\n'
    )


CHAIN = {
    "alembic/versions/2021-01-01_create_posts_table.py": revision("a1", None, "posts"),
    "alembic/versions/2021-02-01_create_tags_table.py": revision("b2", "a1", "tags"),
    "alembic/versions/2026-01-01_create_likes_table.py": revision("c3", "b2", "likes"),
}


def test_revisions_built_upon_are_history_and_heads_are_not():
    revisions = {
        "v/a.py": ["a", []],
        "v/b.py": ["b", ["a"]],
        "v/c.py": ["c", ["a"]],  # a second branch: both b and c are heads
        "v/m.py": None,
    }
    assert applied(revisions) == {"v/a.py"}
    assert applied(revisions, touched=["v/a.py"]) == frozenset()


def singular_findings(root, pack, touched=()):
    config = Config(root=root.resolve(), select=("db-singular-table-names",))
    result = run(pack, config, collect([root], config), jobs=1, use_cache=False, touched=touched)
    return sorted(f.path.rsplit("/", 1)[-1] for f in result.findings)


def test_a_whole_tree_run_checks_the_head_revision_only(tmp_path, pack):
    write_tree(tmp_path, CHAIN)
    assert singular_findings(tmp_path, pack) == ["2026-01-01_create_likes_table.py"]


def test_a_revision_the_change_touches_is_new(tmp_path, pack):
    write_tree(tmp_path, CHAIN)
    touched = ["alembic/versions/2021-02-01_create_tags_table.py"]
    assert singular_findings(tmp_path, pack, touched) == [
        "2021-02-01_create_tags_table.py",
        "2026-01-01_create_likes_table.py",
    ]


def test_history_survives_a_warm_cache(tmp_path, pack):
    write_tree(tmp_path, CHAIN)
    config = Config(root=tmp_path.resolve(), select=("db-singular-table-names",))
    for _ in range(2):
        result = run(pack, config, collect([tmp_path], config), jobs=1, use_cache=True)
        assert [f.path.rsplit("/", 1)[-1] for f in result.findings] == ["2026-01-01_create_likes_table.py"]
    assert result.cached == 3


def test_rules_checking_every_revision_still_see_history(tmp_path, pack):
    files = dict(CHAIN)
    files["alembic/versions/2021-01-01_create_posts_table.py"] = files[
        "alembic/versions/2021-01-01_create_posts_table.py"
    ].replace("from alembic import op\n", "from alembic import op\n\nfrom src.posts.models import Post\n")
    write_tree(tmp_path, {**files, "src/posts/models.py": "class Post:\n    pass\n"})
    config = Config(root=tmp_path.resolve(), select=("migrations-static-structure",))
    result = run(pack, config, collect([tmp_path], config), jobs=1, use_cache=False)
    assert [f.path.rsplit("/", 1)[-1] for f in result.findings] == ["2021-01-01_create_posts_table.py"]
