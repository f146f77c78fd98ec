"""`[tool.bp-rules]` in pyproject.toml, merged with command-line flags (flags win)."""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

DEFAULT_ROLE_FILES: dict[str, tuple[str, ...]] = {
    "router": ("router.py", "routes.py", "routers.py", "views.py", "api.py", "endpoints.py"),
    "schemas": ("schemas.py", "schema.py"),
    "models": ("models.py",),
    "service": ("service.py", "services.py"),
    "dependencies": ("dependencies.py", "deps.py"),
    "config": ("config.py", "settings.py"),
    "constants": ("constants.py",),
    "exceptions": ("exceptions.py", "errors.py"),
    "utils": ("utils.py",),
    "client": ("client.py",),
    "database": ("database.py", "db.py"),
    "main": ("main.py",),
}

KNOWN_KEYS = {
    "select",
    "ignore",
    "exclude",
    "extend-exclude",
    "severity",
    "per-path-ignores",
    "source-roots",
    "role-files",
    "blocking-calls",
    "migrations-dirs",
    "public-api",
    "fail-on",
    "rules",
    "export",  # [tool.bp-rules.export]: read by `bp-rules export` (agents/settings.py)
}


# info findings are advice: shown, but they fail a run only with `fail-on = "info"` (or `--fail-on info`)
DEFAULT_FAIL_ON = "warning"


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Config:
    root: Path = Path(".")
    select: tuple[str, ...] = ()  # rule ids or categories; empty = every rule enabled by default
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    severity: dict[str, str] = field(default_factory=dict)
    per_path_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    source_roots: tuple[str, ...] = ("src", "app")
    role_files: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_ROLE_FILES))
    blocking_calls: tuple[str, ...] = ()
    migrations_dirs: tuple[str, ...] = ("alembic", "migrations")
    public_api: bool = False
    fail_on: str | None = None
    rules: tuple[str, ...] = ()  # extra rule pack directories
    warnings: tuple[str, ...] = ()

    def digest(self) -> str:
        """What a cached per-file result depends on (the root is where it lives, not what it says)."""
        data = asdict(self)
        for key in ("root", "warnings", "fail_on", "per_path_ignores", "severity", "select", "ignore"):
            data.pop(key)
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def role_of(self, filename: str) -> str | None:
        for role, names in self.role_files.items():
            if filename in names:
                return role
        return None

    def with_overrides(self, **changes) -> Config:
        return replace(self, **{k: v for k, v in changes.items() if v not in (None, ())})


def find_project_root(start: Path) -> Path:
    """The nearest directory at or above `start` with a pyproject.toml or .git; else `start` itself."""
    start = start.resolve()
    base = start if start.is_dir() else start.parent
    for candidate in (base, *base.parents):
        if (candidate / "pyproject.toml").is_file() or (candidate / ".git").exists():
            return candidate
    return base


def _tuple(value, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"[tool.bp-rules] {key}: expected a list of strings")
    return tuple(value)


def load_config(root: Path) -> Config:
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return Config(root=root)
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
        return Config(root=root, warnings=(f"{pyproject}: not valid TOML; using the default settings",))
    section = data.get("tool", {}).get("bp-rules", {})
    if not isinstance(section, dict):
        raise ConfigError("[tool.bp-rules] must be a table")
    warnings = tuple(f"[tool.bp-rules]: unknown setting {key!r} (ignored)" for key in sorted(set(section) - KNOWN_KEYS))
    kwargs: dict = {"root": root, "warnings": warnings}
    for key in ("select", "ignore", "exclude", "extend-exclude", "source-roots", "blocking-calls",
                "migrations-dirs", "rules"):  # fmt: skip
        if key in section:
            kwargs[key.replace("-", "_")] = _tuple(section[key], key)
    if "severity" in section:
        sev = section["severity"]
        if not isinstance(sev, dict) or any(v not in ("error", "warning", "info") for v in sev.values()):
            raise ConfigError("[tool.bp-rules] severity: expected a table of rule id = error|warning|info")
        kwargs["severity"] = dict(sev)
    if "per-path-ignores" in section:
        table = section["per-path-ignores"]
        if not isinstance(table, dict):
            raise ConfigError("[tool.bp-rules] per-path-ignores: expected a table of glob = [rule ids]")
        kwargs["per_path_ignores"] = {k: _tuple(v, f"per-path-ignores.{k}") for k, v in table.items()}
    if "role-files" in section:
        table = section["role-files"]
        if not isinstance(table, dict):
            raise ConfigError("[tool.bp-rules] role-files: expected a table of role = [file names]")
        roles = dict(DEFAULT_ROLE_FILES)
        roles.update({k: _tuple(v, f"role-files.{k}") for k, v in table.items()})
        kwargs["role_files"] = roles
    if "public-api" in section:
        kwargs["public_api"] = bool(section["public-api"])
    if "fail-on" in section:
        if section["fail-on"] not in ("error", "warning", "info"):
            raise ConfigError("[tool.bp-rules] fail-on: expected error, warning or info")
        kwargs["fail_on"] = section["fail-on"]
    return Config(**kwargs)
