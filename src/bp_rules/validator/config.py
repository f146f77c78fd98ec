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
    "target-version",
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
    import_roots: tuple[str, ...] = ()  # directories on sys.path besides the root (`src` in a src layout)
    target_version: tuple[int, int] | None = None  # the oldest Python the project supports, when known
    # where the settings above came from, for `bp-rules explain`
    origins: dict[str, str] = field(default_factory=dict)

    def digest(self) -> str:
        """What a cached per-file result depends on (the root is where it lives, not what it says)."""
        data = asdict(self)
        for key in ("root", "warnings", "fail_on", "per_path_ignores", "severity", "select", "ignore", "origins"):
            data.pop(key)
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def role_of(self, filename: str) -> str | None:
        for role, names in self.role_files.items():
            if filename in names:
                return role
        return None

    def dotted(self, source_root: str) -> str:
        """The module name of a source-root directory: `src/dispatch` -> `dispatch` when `src` is on sys.path."""
        for import_root in sorted(self.import_roots, key=len, reverse=True):
            if source_root.startswith(import_root + "/"):
                return source_root[len(import_root) + 1 :].replace("/", ".")
        return source_root.replace("/", ".")

    def own_packages(self) -> set[str]:
        """The top-level module names of the project's own code (`dispatch`, `app`, `src`)."""
        return {self.dotted(root).split(".", 1)[0] for root in self.source_roots}

    def first_party(self) -> set[str]:
        """Top-level names the project's own code is imported by, spelled as packages or as paths."""
        return self.own_packages() | {root.split("/", 1)[0] for root in self.source_roots}

    def module_name(self, path: str) -> str:
        from bp_rules.validator.discovery import module_name

        return module_name(self.root, path, self.import_roots)

    def with_overrides(self, **changes) -> Config:
        return replace(self, **{k: v for k, v in changes.items() if v not in (None, ())})


def find_project_root(start: Path) -> Path:
    from bp_rules.validator.discovery import find_project_root as nearest

    return nearest(start)


def _tuple(value, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"[tool.bp-rules] {key}: expected a list of strings")
    return tuple(value)


def _read_pyproject(path: Path) -> tuple[dict | None, str | None]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8")), None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
        return None, f"{path}: not valid TOML; using the default settings"


def _settings_file(root: Path, data: dict | None) -> tuple[Path | None, dict]:
    """Where the project's `[tool.bp-rules]` lives: its own pyproject.toml, else the nearest ancestor's that has
    the section (a monorepo's shared settings), else nowhere."""
    if data is not None and "bp-rules" in (data.get("tool") or {}):
        return root / "pyproject.toml", data
    for parent in root.parents:
        candidate = parent / "pyproject.toml"
        if candidate.is_file():
            parsed, _ = _read_pyproject(candidate)
            if parsed is not None and "bp-rules" in (parsed.get("tool") or {}):
                return candidate, parsed
    return None, {}


def load_config(root: Path) -> Config:
    """The settings of the project at `root`, with what discovery finds where they are silent."""
    from bp_rules.validator.discovery import DiscoveryError, discover

    root = root.resolve()
    pyproject = root / "pyproject.toml"
    data, problem = _read_pyproject(pyproject) if pyproject.is_file() else ({}, None)
    settings_path, settings = _settings_file(root, data)
    section = (settings.get("tool") or {}).get("bp-rules", {})
    if not isinstance(section, dict):
        raise ConfigError("[tool.bp-rules] must be a table")
    warnings = tuple(f"[tool.bp-rules]: unknown setting {key!r} (ignored)" for key in sorted(set(section) - KNOWN_KEYS))
    if problem:
        warnings = (problem, *warnings)
    target = section.get("target-version")
    if target is not None and not isinstance(target, str):
        raise ConfigError('[tool.bp-rules] target-version: expected a string such as "py311"')
    try:
        layout = discover(root, data or {}, target)
    except DiscoveryError as exc:
        raise ConfigError(str(exc)) from None
    origins = {
        "settings": str(settings_path) if settings_path else "defaults (no [tool.bp-rules] found)",
        "source-roots": layout.source_from,
        "target-version": layout.target_from,
    }
    kwargs: dict = {
        "root": root,
        "warnings": warnings,
        "source_roots": layout.source_roots,
        "import_roots": layout.import_roots,
        "target_version": layout.target_version,
        "origins": origins,
    }
    for key in ("select", "ignore", "exclude", "extend-exclude", "source-roots", "blocking-calls",
                "migrations-dirs", "rules"):  # fmt: skip
        if key in section:
            kwargs[key.replace("-", "_")] = _tuple(section[key], key)
    if "source-roots" in section:
        origins["source-roots"] = "[tool.bp-rules] source-roots"
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
