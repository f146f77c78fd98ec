"""Which project a file belongs to, how its modules are named, and which Python it targets.

A file's project is its nearest ancestor holding a Python manifest (`pyproject.toml`, `setup.cfg`, `setup.py`),
so a repository with `backend/pyproject.toml` beside a `frontend/` is checked as the backend project wherever
bp-rules runs from. Module names come from the package structure, the way Python and pytest see them: walk up
through `__init__.py` files to the top package, whose parent directory is an import root. The project's own
packages (the source roots that hold its domains) come from the build configuration, the `src/` layout, or the
packages directly under the project root. Nothing here imports or runs the project: it reads file names and TOML.
"""

from __future__ import annotations

import configparser
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath

MANIFESTS = ("pyproject.toml", "setup.cfg", "setup.py")
# top-level packages that are never where the application's domains live
NOT_SOURCE = frozenset(
    {
        "tests", "test", "testing", "alembic", "migrations", "docs", "doc", "scripts", "script", "examples",
        "example", "benchmarks", "bench", "tools", "bin", "dev", "deploy", "docker", "build", "dist", "site",
    }
)  # fmt: skip
DEFAULT_SOURCE_ROOTS = ("src", "app")  # when the tree shows no package at all
_VERSION = re.compile(r"^(?:py|cp)?(\d)\.?(\d+)")


class DiscoveryError(ValueError):
    pass


# --- projects ------------------------------------------------------------------------------------------


def manifest_of(directory: Path) -> str | None:
    for name in MANIFESTS:
        if (directory / name).is_file():
            return name
    return None


def find_project_root(start: Path) -> Path:
    """The project a path belongs to: the nearest directory at or above it with a Python manifest.

    Outside any project, the repository root (`.git`) holds the files; outside a repository too, the
    directory above the top package the path sits in (so `shop/stock.py` keeps its module name `shop.stock`
    whether it is checked from `shop/` or from its parent), else the directory itself.
    """
    start = start.resolve()
    base = start if start.is_dir() else start.parent
    for candidate in (base, *base.parents):
        if manifest_of(candidate):
            return candidate
    for candidate in (base, *base.parents):
        if (candidate / ".git").exists():
            return candidate
    top = base
    while (top / "__init__.py").is_file() and top.parent != top:
        top = top.parent
    return top


def is_nested_project(directory: Path, root: Path) -> bool:
    """A directory below `root` that is a project of its own (its files are checked as that project)."""
    return directory != root and manifest_of(directory) is not None


# --- the project's layout ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """What discovery found for one project; every path is POSIX, relative to the project root."""

    root: Path
    manifest: str | None
    import_roots: tuple[str, ...]  # directories on `sys.path` besides the root itself, e.g. `src`
    source_roots: tuple[str, ...]  # the project's own top packages, e.g. `src/dispatch`, `polar`, `app`
    source_from: str  # where `source_roots` came from, for `bp-rules explain`
    target_version: tuple[int, int] | None
    target_from: str

    def module_name(self, rel: str) -> str:
        return module_name(self.root, rel, self.import_roots)


def read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


def discover(root: Path, pyproject: dict | None = None, configured_target: str | None = None) -> Layout:
    root = root.resolve()
    data = read_toml(root / "pyproject.toml") if pyproject is None else pyproject
    declared = _declared_packages(root, data)
    import_roots: list[str] = []
    if declared:
        packages, source_from = declared
        for package in packages:
            parent = str(PurePosixPath(package).parent)
            if parent != "." and parent not in import_roots:
                import_roots.append(parent)
    else:
        packages, source_from = _found_packages(root)
        for package in packages:
            parent = str(PurePosixPath(package).parent)
            if parent != "." and parent not in import_roots:
                import_roots.append(parent)
    if not packages:
        packages = tuple(r for r in DEFAULT_SOURCE_ROOTS if (root / r).is_dir()) or DEFAULT_SOURCE_ROOTS
        source_from = "default (no package found)"
    target, target_from = target_version(root, data, configured_target)
    return Layout(root, manifest_of(root), tuple(import_roots), tuple(packages), source_from, target, target_from)


def _declared_packages(root: Path, data: dict) -> tuple[tuple[str, ...], str] | None:
    """Packages named by the build configuration: hatch, setuptools, poetry."""
    tool = data.get("tool", {}) if isinstance(data.get("tool"), dict) else {}
    hatch = tool.get("hatch", {}).get("build", {}) if isinstance(tool.get("hatch"), dict) else {}
    if isinstance(hatch, dict):
        wheel = hatch.get("targets", {}).get("wheel", {}) if isinstance(hatch.get("targets"), dict) else {}
        for table, where in ((wheel, "[tool.hatch.build.targets.wheel] packages"), (hatch, "[tool.hatch.build]")):
            found = table.get("packages") if isinstance(table, dict) else None
            if isinstance(found, list):
                dirs = _existing(root, [p for p in found if isinstance(p, str)])
                if dirs:
                    return dirs, where
    poetry = tool.get("poetry", {}) if isinstance(tool.get("poetry"), dict) else {}
    if isinstance(poetry.get("packages"), list):
        dirs = []
        for entry in poetry["packages"]:
            if isinstance(entry, dict) and isinstance(entry.get("include"), str):
                base = entry.get("from") if isinstance(entry.get("from"), str) else ""
                dirs.append(str(PurePosixPath(base, entry["include"].replace(".", "/"))))
        found = _existing(root, dirs)
        if found:
            return found, "[tool.poetry] packages"
    setuptools = tool.get("setuptools", {}) if isinstance(tool.get("setuptools"), dict) else {}
    package_dir = setuptools.get("package-dir") if isinstance(setuptools.get("package-dir"), dict) else {}
    packages = setuptools.get("packages")
    where: list[str] = []
    if isinstance(packages, dict) and isinstance(packages.get("find"), dict):
        value = packages["find"].get("where")
        where = [w for w in value if isinstance(w, str)] if isinstance(value, list) else []
    elif isinstance(packages, list):  # `packages = ["shop", "shop.api"]`: the top-level ones are roots
        base = package_dir.get("") if isinstance(package_dir.get(""), str) else ""
        tops = [p for p in packages if isinstance(p, str) and "." not in p]
        found = _existing(root, [str(PurePosixPath(base or ".", top)) for top in tops])
        if found:
            return found, "[tool.setuptools] packages"
    if not where and isinstance(package_dir.get(""), str):
        where = [package_dir[""]]
    if not where:
        where = _setup_cfg_where(root)
    for directory in where:
        found = _packages_in(root, directory.strip("/") or ".")
        if found:
            return found, "[tool.setuptools] package-dir / packages.find.where"
    return None


def _setup_cfg_where(root: Path) -> list[str]:
    cfg = root / "setup.cfg"
    if not cfg.is_file():
        return []
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(cfg.read_text(encoding="utf-8"))
    except (configparser.Error, OSError, UnicodeDecodeError):
        return []
    out = []
    if parser.has_option("options.packages.find", "where"):
        out.append(parser.get("options.packages.find", "where").strip())
    if parser.has_option("options", "package_dir"):
        for line in parser.get("options", "package_dir").splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "" and value.strip():
                out.append(value.strip())
    return out


def _existing(root: Path, dirs: list[str]) -> tuple[str, ...]:
    out = []
    for d in dirs:
        clean = str(PurePosixPath(d.strip("/")))
        if clean not in (".", "") and (root / clean).is_dir() and clean not in out:
            out.append(clean)
    return tuple(out)


def _packages_in(root: Path, directory: str) -> tuple[str, ...]:
    base = root if directory == "." else root / directory
    if not base.is_dir():
        return ()
    out = []
    for child in sorted(base.iterdir()):
        if child.is_dir() and (child / "__init__.py").is_file() and not _not_source(child.name):
            out.append(child.relative_to(root).as_posix())
    return tuple(out)


def _found_packages(root: Path) -> tuple[tuple[str, ...], str]:
    src = root / "src"
    if src.is_dir() and not (src / "__init__.py").is_file():
        found = _packages_in(root, "src")
        if found:
            return found, "the src/ layout"
    found = _packages_in(root, ".")
    return found, "packages directly under the project root"


def _not_source(name: str) -> bool:
    return name in NOT_SOURCE or name.startswith("test") or name.endswith("tests")


# --- module names --------------------------------------------------------------------------------------


def module_name(root: Path, rel: str, import_roots: tuple[str, ...] = ()) -> str:
    """The name Python imports a file by: the package path up through `__init__.py` files.

    A file outside any package keeps its path below the nearest import root (a namespace package there), or
    its path below the project root, so that two loose files never share a name.
    """
    parts = list(PurePosixPath(rel).with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
        directory_parts = parts
        top = len(parts)
    else:
        directory_parts = parts[:-1]
        top = len(directory_parts)
    while top > 0 and _is_package(root, tuple(directory_parts[:top])):
        top -= 1
    if top < len(directory_parts):  # inside a package: the name starts at the top package
        return ".".join(parts[top:])
    for import_root in sorted(import_roots, key=len, reverse=True):
        prefix = PurePosixPath(import_root).parts
        if tuple(parts[: len(prefix)]) == prefix and len(parts) > len(prefix):
            return ".".join(parts[len(prefix) :])
    return ".".join(parts)


def path_module_name(rel: str) -> str:
    """The dotted path of a file below the project root (`src/posts/router.py` -> `src.posts.router`)."""
    parts = list(PurePosixPath(rel).with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _is_package_cached(directory: str) -> bool:
    return (Path(directory) / "__init__.py").is_file()


def _is_package(root: Path, parts: tuple[str, ...]) -> bool:
    return _is_package_cached(str(root.joinpath(*parts))) if parts else False


def forget_packages() -> None:
    """Drop what was learned about `__init__.py` files (a long-lived process whose tree changes)."""
    _is_package_cached.cache_clear()


# --- target Python -------------------------------------------------------------------------------------


def parse_version(text: str) -> tuple[int, int] | None:
    """`py310`, `3.10`, `cp311` -> (3, 10)."""
    match = _VERSION.match(text.strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def lower_bound(requires_python: str) -> tuple[int, int] | None:
    """The oldest Python a `requires-python` specifier admits (`>=3.10,<4` -> 3.10)."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        spec = SpecifierSet(requires_python)
    except InvalidSpecifier:
        return None
    for minor in range(0, 40):
        if any(spec.contains(f"3.{minor}.{patch}", prereleases=True) for patch in (0, 99)):
            return (3, minor)
    return None


def target_version(root: Path, data: dict, configured: str | None) -> tuple[tuple[int, int] | None, str]:
    if configured:
        version = parse_version(configured)
        if version is None:
            raise DiscoveryError(f'[tool.bp-rules] target-version: cannot read {configured!r} (use e.g. "py311")')
        return version, "[tool.bp-rules] target-version"
    project = data.get("project") if isinstance(data.get("project"), dict) else {}
    requires = project.get("requires-python")
    if isinstance(requires, str) and (version := lower_bound(requires)) is not None:
        return version, f"requires-python = {requires!r}"
    poetry = data.get("tool", {}).get("poetry", {}) if isinstance(data.get("tool"), dict) else {}
    poetry_python = poetry.get("dependencies", {}).get("python") if isinstance(poetry, dict) else None
    if isinstance(poetry_python, str):
        # `^3.10`, `~3.10`, `>=3.10,<4`: the first version a Poetry constraint names is its lower bound
        match = re.search(r"(?:\^|~|>=|==|^)\s*(\d+\.\d+)", poetry_python.split("||")[0])
        version = parse_version(match.group(1)) if match else None
        if version is not None:
            return version, f"[tool.poetry.dependencies] python = {poetry_python!r}"
    ruff = data.get("tool", {}).get("ruff", {}) if isinstance(data.get("tool"), dict) else {}
    for source, table in (("[tool.ruff] target-version", ruff), ("ruff.toml target-version", None)):
        if table is None:
            for name in ("ruff.toml", ".ruff.toml"):
                if (root / name).is_file():
                    table = read_toml(root / name)
                    break
        value = table.get("target-version") if isinstance(table, dict) else None
        if isinstance(value, str) and (version := parse_version(value)) is not None:
            return version, source
    return None, "unknown (no target-version, requires-python or ruff target-version)"
