"""Where a project keeps each kind of file, as globs the agents' own scoping understands.

Computed from the validator's configuration (`[tool.bp-rules]`: `role-files`, `migrations-dirs`,
`source-roots`), so an export attaches routing rules to the files this project routes in, and migration
rules to the folder its migrations live in. A role file (`router.py`) also names a package (`router/`):
`app/api/routes/items.py` is a router module in a `routes` package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath

from bp_rules.validator.config import Config

# The folders the rule records name in their own globs, read as "the migrations folder, wherever it is".
RECORD_MIGRATION_DIRS = ("alembic", "migrations")
TESTS_GLOBS = ("**/tests/**/*.py", "**/test_*.py")
CONFTEST_GLOB = "**/conftest.py"
SAMPLE_DOMAIN = "posts"  # the domain package of the sample paths


@dataclass(frozen=True)
class Layout:
    role_files: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(Config().role_files))
    migrations_dirs: tuple[str, ...] = Config().migrations_dirs
    source_roots: tuple[str, ...] = Config().source_roots

    @classmethod
    def of(cls, config: Config) -> Layout:
        return cls(dict(config.role_files), tuple(config.migrations_dirs), tuple(config.source_roots))

    def role_globs(self, role: str) -> tuple[str, ...]:
        """The files of a role: each of its file names anywhere, and everything in a package of that name."""
        names = self.role_files.get(role, ())
        modules = [f"**/{name}" for name in names]
        packages = [f"**/{PurePosixPath(name).stem}/**/*.py" for name in names if name.endswith(".py")]
        return tuple(dict.fromkeys([*modules, *packages]))

    def map_record_glob(self, glob: str) -> tuple[str, ...]:
        """A rule record's glob in this project's layout: the records' `alembic/`/`migrations/` mean the
        project's migrations folders, and `tests/` or `conftest.py` mean test files wherever they live."""
        head, _, rest = glob.partition("/")
        if head in RECORD_MIGRATION_DIRS and rest:
            return tuple(dict.fromkeys(f"{d.rstrip('/')}/{rest}" for d in self.migrations_dirs))
        if head == "tests" and rest:
            return TESTS_GLOBS if rest.endswith(".py") else ("**/tests/**",)
        if glob == "conftest.py":
            return (CONFTEST_GLOB,)
        return (glob,)

    def map_record_globs(self, globs: list[str] | tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(g for glob in globs for g in self.map_record_glob(glob)))

    def samples(self) -> dict[str, str]:
        """A typical path of each kind of file in this layout, for measuring what an agent loads."""
        root = self.source_roots[0] if self.source_roots else "src"
        out = {}
        for role, names in self.role_files.items():
            if names:
                out[role] = f"{root}/{SAMPLE_DOMAIN}/{names[0]}"
        out["test"] = f"tests/{SAMPLE_DOMAIN}/test_router.py"
        migrations = self.migrations_dirs[0] if self.migrations_dirs else "alembic"
        out["migration"] = f"{migrations}/versions/2026_01_01_add_{SAMPLE_DOMAIN}.py"
        return out
