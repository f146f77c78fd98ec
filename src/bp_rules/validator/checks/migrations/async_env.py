"""`migrations-async-env`: an async app's Alembic `env.py` builds an async engine and migrates through
`connection.run_sync`."""

from __future__ import annotations

import re

from bp_rules.validator import alembic_config
from bp_rules.validator.project import Project
from bp_rules.validator.registry import ProjectCheck, register
from bp_rules.validator.summary import Function

SYNC_ENGINES = frozenset(
    {"sqlalchemy.engine_from_config", "sqlalchemy.create_engine", "sqlalchemy.engine.create_engine"}
)


ASYNC_PIECES = frozenset(
    {
        "sqlalchemy.ext.asyncio.async_engine_from_config",
        "sqlalchemy.ext.asyncio.create_async_engine",
        "asyncio.run",
    }
)


ASYNC_APP = frozenset(
    {
        "sqlalchemy.ext.asyncio.create_async_engine",
        "sqlalchemy.ext.asyncio.engine.create_async_engine",
        "sqlalchemy.ext.asyncio.async_sessionmaker",
        "sqlalchemy.ext.asyncio.async_engine_from_config",
    }
)


ASYNC_DRIVERS = re.compile(r"^[a-z0-9]+\+(asyncpg|aiosqlite|aiomysql|asyncmy|aioodbc|psycopg_async)\b")


def _calls(fn_list: list[Function], module_calls) -> list:
    return [c for fn in fn_list for c in fn.calls] + list(module_calls)


@register
class AsyncEnv(ProjectCheck):
    rule_id = "migrations-async-env"

    def check(self, project: Project) -> None:
        setup = alembic_config.read_setup(project.project_files, list(project.summaries))
        envs = {alembic_config.join_path(d, "env.py") for d in setup.script_dirs(project.config)}
        async_url = next((f.url for f in setup.files if f.url and ASYNC_DRIVERS.match(f.url.strip().lower())), None)
        async_app = None
        for path, summary in project.summaries.items():
            if path in envs:
                continue
            for call in _calls(summary.functions, summary.module_calls):
                if call.name in ASYNC_APP:
                    async_app = path
                    break
            if async_app:
                break
        if async_url is None and async_app is None:
            return
        reason = (
            f"`sqlalchemy.url` names the async driver `{async_url.split('://', 1)[0]}`"
            if async_url
            else f"the app uses an async engine (`{async_app}`)"
        )
        for path in sorted(envs):
            summary = project.summaries.get(path)
            if summary is None:
                continue
            calls = _calls(summary.functions, summary.module_calls)
            if any(c.name in ASYNC_PIECES or c.name.endswith(".run_sync") for c in calls):
                continue
            engine = next((c for c in calls if c.name in SYNC_ENGINES), None)
            if engine is None:
                continue
            project.report(
                self.rule_id,
                path,
                engine.span,
                f"`env.py` builds a sync engine with `{engine.name.rpartition('.')[2]}`, but {reason}; use the async "
                "template (`async_engine_from_config`, `await connection.run_sync(do_run_migrations)` inside "
                "`asyncio.run(...)`)",
            )
