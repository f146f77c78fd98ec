"""The `pydantic-typed-settings` message for an `int` duration: the `timedelta` it becomes and the environment."""

from __future__ import annotations

from tests.conftest import verify_tree, write_tree

CONFIG = """from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    S3_FILES_PRESIGN_TTL: int = 3600  # 60 minutes
    SECURITY_USER_LOCKOUT_TIME: int = 24
    "time in hours"
"""


def test_duration_messages_read_the_total_and_say_the_environment_changes(tmp_path, pack):
    write_tree(tmp_path, {"app/config.py": CONFIG})
    found = {f.line: f.message for f in verify_tree(tmp_path, pack, select=("pydantic-typed-settings",))}
    assert set(found) == {5, 6}
    assert "timedelta(minutes=60)" in found[5] and "minutes=3600" not in found[5]
    assert "`PT60M`" in found[5]
    assert "timedelta(hours=24)" in found[6]
    assert "rejects `SECURITY_USER_LOCKOUT_TIME=24`" in found[6] and "rename it" in found[6]
