"""Where files sit in the project, seen from phase 2 (catalog B5, B6): shared by the structure checks.

Phase 1 places a file from its path and the configured source roots alone. Phase 2 sees the whole tree, so
it can tell two things a single file cannot:

- the *effective* source root: `src/` itself when the code imports `src.posts...`, but `src/dispatch/` when
  `src/` only holds one installable package that the code imports as `dispatch...` (the src-layout);
- which packages are *containers* of domains (`backend/app/` holding `admin/` and `task/`, each with its own
  api/schemas/models/service): their children are the domains, the container itself is none;
- whether the project is organised by domain at all. A tree split by file type (`routers/`, `schemas/`,
  `crud/` folders of entity modules) gets one `structure-by-domain` finding per folder; the placement rules
  (`structure-routes-in-router`, ...) stay quiet for it and for files inside such folders, instead of
  reporting every module of the tree.
"""

from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from bp_rules.validator.project import Project
from bp_rules.validator.summary import ClassInfo, FileSummary, Span

# folders that group code by file type when they hold one module per entity (card 1)
FILE_TYPE_DIRS = frozenset(
    {
        "routers", "routes", "endpoints", "api", "apis", "views", "controllers", "crud", "cruds",
        "repositories", "repository", "repos", "schemas", "models", "services",
    }
)  # fmt: skip
# folders whose sub-folders may still be file-type folders (`app/api/routes/`), and never domains themselves
GENERIC_DIRS = frozenset(
    {"api", "apis", "v1", "v2", "v3", "core", "common", "shared", "internal", "http", "web", "rest"}
)
# roles that make a package domain-shaped (its own routes, schemas, tables or logic)
DOMAIN_ROLES = frozenset({"router", "schemas", "models", "service", "dependencies"})
# module stems that do not name an entity
GENERIC_STEMS = frozenset(
    {
        "__init__", "base", "bases", "common", "utils", "util", "helpers", "deps", "dependencies", "main", "api",
        "router", "routers", "routes", "v1", "v2", "v3", "core", "mixins", "types", "enums", "constants", "config",
        "exceptions", "errors", "schemas", "models", "crud", "service", "services", "session", "database", "db",
        "abc", "interfaces", "registry", "factory", "conftest", "default", "generic", "shared",
    }
)  # fmt: skip

SETTINGS_BASES = frozenset(
    {
        "pydantic_settings.BaseSettings", "pydantic_settings.main.BaseSettings", "pydantic.BaseSettings",
        "pydantic.v1.BaseSettings", "pydantic.env_settings.BaseSettings",
    }
)  # fmt: skip
PYDANTIC_BASES = frozenset(
    {
        "pydantic.BaseModel", "pydantic.main.BaseModel", "pydantic.RootModel", "pydantic.root_model.RootModel",
        "pydantic.v1.BaseModel", "pydantic.generics.GenericModel", "sqlmodel.SQLModel", "sqlmodel.main.SQLModel",
    }
)  # fmt: skip
SQLMODEL = frozenset({"sqlmodel.SQLModel", "sqlmodel.main.SQLModel"})
DECLARATIVE_BASES = frozenset(
    {
        "sqlalchemy.orm.DeclarativeBase", "sqlalchemy.orm.DeclarativeBaseNoMeta",
        "sqlalchemy.orm.decl_api.DeclarativeBase", "sqlalchemy.orm.decl_api.DeclarativeBaseNoMeta",
    }
)  # fmt: skip
# `Base = declarative_base()`: classes deriving from the result are mapped
DECLARATIVE_FACTORIES = frozenset(
    {
        "sqlalchemy.orm.declarative_base()", "sqlalchemy.ext.declarative.declarative_base()",
        "sqlalchemy.orm.decl_api.declarative_base()", "sqlalchemy.orm.registry().generate_base()",
    }
)  # fmt: skip
TABLE_CALLS = frozenset({"sqlalchemy.Table", "sqlalchemy.schema.Table", "sqlalchemy.sql.schema.Table"})
ENUM_BASES = frozenset({"enum.Enum", "enum.StrEnum", "enum.IntEnum", "enum.Flag", "enum.IntFlag"})
FASTAPI_APP = frozenset({"fastapi.FastAPI", "fastapi.applications.FastAPI"})
BUILTIN_EXCEPTIONS = frozenset(
    f"builtins.{name}"
    for name in dir(builtins)
    if isinstance(getattr(builtins, name), type) and issubclass(getattr(builtins, name), BaseException)
)
BUILTIN_WARNINGS = frozenset(
    f"builtins.{name}"
    for name in dir(builtins)
    if isinstance(getattr(builtins, name), type) and issubclass(getattr(builtins, name), Warning)
)


def is_test_path(path: str) -> bool:
    parts = PurePosixPath(path).parts
    name = parts[-1] if parts else ""
    return (
        any(p in ("tests", "test") for p in parts[:-1])
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


@dataclass(frozen=True)
class Place:
    """A file seen from phase 2: its effective source root, domain and role."""

    path: str
    root: str | None  # the effective source root directory, e.g. `src` or `src/dispatch`
    parts: tuple[str, ...]  # the path below the root
    # the package below the root a file belongs to: the first one, or `container/child` inside a container of
    # domains; None for a module directly in the root or in a container
    domain: str | None
    role: str | None  # from the file name, else from the nearest folder named like a role (`models/`)
    in_tests: bool
    in_migrations: bool
    exempt: bool  # inside a file-type folder (reported once by structure-by-domain)

    @property
    def checked(self) -> bool:
        """Under the source root and not a test, a migration or a file of a file-type folder."""
        return self.root is not None and not self.in_tests and not self.in_migrations and not self.exempt

    @property
    def is_root_main(self) -> bool:
        return self.root is not None and self.parts == ("main.py",)

    @property
    def stem(self) -> str:
        return PurePosixPath(self.path).stem


@dataclass
class Layout:
    project: Project
    roots: list[str] = field(default_factory=list)
    places: dict[str, Place] = field(default_factory=dict)
    # file-type folders: path -> (modules, domain names their modules are named after)
    type_folders: dict[str, list[str]] = field(default_factory=dict)
    flagged_folders: dict[str, str] = field(default_factory=dict)  # folder -> why (structure-by-domain)
    domains: dict[str, set[str]] = field(default_factory=dict)  # root -> domain packages with role files
    by_domain: bool = True
    libraries: frozenset[tuple[str, str]] = frozenset()  # (root, package) of shared toolkits
    containers: frozenset[tuple[str, str]] = frozenset()  # (root, package) of packages that hold domains

    # --- building -------------------------------------------------------------------------------------

    @classmethod
    def of(cls, project: Project) -> Layout:
        layout = getattr(project, "_structure_layout", None)
        if layout is None:
            layout = cls(project)
            layout._build()
            project._structure_layout = layout
        return layout

    def _build(self) -> None:
        config = self.project.config
        paths = sorted(self.project.summaries)
        self.role_stems = {
            name.removesuffix(".py"): role for role, names in config.role_files.items() for name in names
        }
        self.migration_dirs = frozenset(config.migrations_dirs) | {"versions", "revisions"}
        self._dirs = {str(parent) for p in paths for parent in PurePosixPath(p).parents if str(parent) != "."}
        uses_fastapi = self._is_fastapi_project()
        self.roots = self._effective_roots(paths) if uses_fastapi else []
        raw: dict[str, Place] = {p: self._place(p, frozenset()) for p in paths}
        if uses_fastapi:
            self._find_type_folders(raw)
            self.containers = self._find_containers(raw)
        exempt = frozenset(self.type_folders)
        self.places = {p: self._place(p, exempt) for p in paths}
        self._children: dict[tuple[str, tuple[str, ...]], list[Place]] = defaultdict(list)
        for place in self.places.values():
            if place.root is not None:
                self._children[(place.root, place.parts[:-1])].append(place)
        for place in self.places.values():
            if place.root is not None and self.is_domain_name(place.domain) and not place.in_tests and place.role:
                self.domains.setdefault(place.root, set()).add(place.domain)
        domain_count = sum(len(d) for d in self.domains.values())
        self.by_domain = not self.type_folders or domain_count >= 2
        self.libraries = self._find_libraries()
        for root, domains in self.domains.items():
            domains -= {lib for r, lib in self.libraries if r == root}

    def _is_fastapi_project(self) -> bool:
        """The guide's layout is a FastAPI application's. A project whose manifests declare dependencies, none
        of them FastAPI, and whose code never imports it (a library, a tool) has nothing to lay out; a tree
        without manifests (a snippet, a partial checkout) gets the benefit of the doubt."""
        if any(
            imp.module == "fastapi" or imp.module.startswith("fastapi.")
            for summary in self.project.summaries.values()
            for imp in summary.imports
        ):
            return True
        from bp_rules.validator.analysis.project_files import project_files

        declared = project_files(self.project).dependencies
        return not declared or any(dep.name == "fastapi" for dep in declared)

    def _find_libraries(self) -> frozenset[tuple[str, str]]:
        """Shared toolkits (`polar/kit/`): packages without routes that half the domains or more import. Their
        layout is their public surface, like `src/database.py`'s, so they are global, not domains."""
        importers: dict[tuple[str, str], set[str]] = defaultdict(set)
        routed: set[tuple[str, str]] = set()
        domains: dict[str, set[str]] = defaultdict(set)
        for path, place in self.places.items():
            if place.root is None or place.in_tests or not self.is_domain_name(place.domain):
                continue
            domains[place.root].add(place.domain)
            if self.project.config.role_of(place.parts[-1]) == "router":
                routed.add((place.root, place.domain))
            for imp in self.project.summaries[path].imports:
                found = self.domain_of_module(imp.module)
                if found is not None and found[0] == place.root and found[1] != place.domain:
                    importers[(found[0], found[1])].add(place.domain)
        return frozenset(
            key
            for key, users in importers.items()
            if key not in routed and len(users) >= max(5, len(domains[key[0]]) // 2)
        )

    def _find_containers(self, raw: dict[str, Place]) -> frozenset[tuple[str, str]]:
        """Packages that only hold domains (`backend/app/` with `admin/` and `task/`, `plugins/` with one package
        per plugin): two or more children are domain-shaped (role modules or role folders of two kinds:
        routes, schemas, models, service, dependencies), and the package has none of those of its own but an
        aggregating router."""
        own: dict[tuple[str, str], set[str]] = defaultdict(set)
        children: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for place in raw.values():
            if place.root is None or place.in_tests or len(place.parts) < 2:
                continue
            package = (place.root, place.parts[0])
            if len(place.parts) == 2:
                own[package].add(self.project.config.role_of(place.parts[1]) or "")
                continue
            own[package].add(self.folder_role(place.parts[1]) or "")
            role = self.project.config.role_of(place.parts[2]) if len(place.parts) == 3 else None
            children[package][place.parts[1]].add(role or self.folder_role(place.parts[2]) or "")
        return frozenset(
            package
            for package, kids in children.items()
            if self.is_domain_name(package[1])
            and not (own[package] & DOMAIN_ROLES) - {"router"}
            and sum(len(roles & DOMAIN_ROLES) >= 2 for roles in kids.values()) >= 2
        )

    def _effective_roots(self, paths: list[str]) -> list[str]:
        """The configured roots present in the tree; `src/<pkg>` for a src-layout package imported as `pkg`."""
        modules = [imp.module for s in self.project.summaries.values() for imp in s.imports if imp.level == 0]
        heads = {m.partition(".")[0] for m in modules}
        out: list[str] = []
        for root in self.project.config.source_roots:
            below = [p for p in paths if p.startswith(root + "/") and not is_test_path(p)]
            if not below:
                continue
            rest = [PurePosixPath(p).relative_to(root).parts for p in below]
            direct = [r for r in rest if len(r) == 1]
            packages = sorted({r[0] for r in rest if len(r) > 1})
            spellings = {root.replace("/", "."), self.project.config.dotted(root)}
            spelled_with_root = any(m == d or m.startswith(d + ".") for m in modules for d in spellings)
            imported_bare = [pkg for pkg in packages if _imported(pkg, modules, heads)]
            if not direct and not spelled_with_root and imported_bare:
                out.extend(f"{root}/{pkg}" for pkg in imported_bare)
            else:
                out.append(root)
        return sorted(out, key=len, reverse=True)

    def _place(self, path: str, exempt_dirs: frozenset[str]) -> Place:
        parts = PurePosixPath(path).parts
        in_tests = is_test_path(path)
        for root in self.roots:
            root_parts = PurePosixPath(root).parts
            if parts[: len(root_parts)] == root_parts and len(parts) > len(root_parts):
                rest = parts[len(root_parts) :]
                domain = rest[0] if len(rest) > 1 else None
                if (root, domain) in self.containers:
                    domain = f"{rest[0]}/{rest[1]}" if len(rest) > 2 else None
                role = self.project.config.role_of(rest[-1])
                if role is None:
                    for folder in reversed(rest[:-1]):
                        role = self.folder_role(folder)
                        if role is not None:
                            break
                exempt = any("/".join(parts[:i]) in exempt_dirs for i in range(len(root_parts) + 1, len(parts)))
                in_migrations = any(p in self.migration_dirs for p in rest[:-1])
                return Place(path, root, rest, domain, role, in_tests, in_migrations, exempt)
        in_migrations = any(p in self.migration_dirs for p in parts[:-1])
        return Place(path, None, parts, None, self.project.config.role_of(parts[-1]), in_tests, in_migrations, False)

    def _find_type_folders(self, raw: dict[str, Place]) -> None:
        """Folders of entity modules named after a file type (`src/routers/posts.py`, `app/api/routes/items.py`)."""
        folders: dict[str, list[Place]] = defaultdict(list)
        for place in raw.values():
            if place.root is None or place.in_tests or len(place.parts) < 2:
                continue
            folder = place.parts[:-1]
            if folder[-1] not in FILE_TYPE_DIRS or any(f not in GENERIC_DIRS | FILE_TYPE_DIRS for f in folder[:-1]):
                continue
            folders[f"{place.root}/{'/'.join(folder)}"].append(place)
        packages = {place.domain for place in raw.values() if place.root and place.domain and not place.in_tests}
        for folder, places in folders.items():
            entities = sorted(p.path for p in places if p.stem not in GENERIC_STEMS and not p.stem.startswith("_"))
            if len(entities) < 2:
                continue
            self.type_folders[folder] = entities
            name = folder.rsplit("/", 1)[-1]
            if len(entities) >= 3:
                self.flagged_folders[folder] = "entities"
                continue
            # domain packages exist, but their routers were pulled out into a shared folder
            own = [
                p for p in places
                if _entity_of(p.stem, packages) and self._defines_router(p.path) and name in FILE_TYPE_DIRS
            ]  # fmt: skip
            if len(own) >= 2:
                self.flagged_folders[folder] = "routers"

    def _defines_router(self, path: str) -> bool:
        summary = self.project.summaries[path]
        return bool(summary.routers) or any(f.routes for f in summary.functions) or bool(summary.route_endpoints)

    # --- reading --------------------------------------------------------------------------------------

    def place(self, path: str) -> Place:
        return self.places[path]

    def checked(self) -> Iterable[tuple[Place, FileSummary]]:
        """Files the placement rules look at: under a source root, outside tests, migrations, file-type folders."""
        for path, summary in self.project.summaries.items():
            place = self.places[path]
            if place.checked:
                yield place, summary

    def reported(self) -> Iterable[tuple[Place, FileSummary]]:
        """`checked()`, restricted to the files whose findings are wanted (`Project.focus`)."""
        focus = self.project.focus
        for place, summary in self.checked():
            if focus is None or place.path in focus:
                yield place, summary

    def root_main(self, root: str) -> str | None:
        path = f"{root}/main.py"
        return path if path in self.project.summaries else None

    def root_module(self, root: str) -> str:
        return self.project.config.dotted(root)

    def domain_of_module(self, module: str) -> tuple[str, str, tuple[str, ...], str] | None:
        """`src.auth.service.user` (or `auth.service.user` in a src-layout) -> (root, `auth`, rest below it,
        the root as the import spells it)."""
        for root in self.roots:
            for prefix in self._spellings(root):
                if module.startswith(prefix + "."):
                    rest = tuple(module[len(prefix) + 1 :].split("."))
                    if (root, rest[0]) in self.containers:
                        return self._child_domain(root, rest, prefix)
                    if rest and self.is_domain_name(rest[0], root) and self._is_domain(root, rest):
                        return root, rest[0], rest[1:], prefix
        return None

    def _child_domain(
        self, root: str, rest: tuple[str, ...], prefix: str
    ) -> tuple[str, str, tuple[str, ...], str] | None:
        """`app.admin.schema.user` inside the container `app` -> domain `app/admin`, rest `schema.user`; the
        container itself and its own modules (`app.router`) are no domain."""
        if len(rest) < 2 or f"{root}/{rest[0]}/{rest[1]}.py" in self.project.summaries:
            return None
        domain = f"{rest[0]}/{rest[1]}"
        return (root, domain, rest[2:], prefix) if self.is_domain_name(domain, root) else None

    @staticmethod
    def label(domain: str) -> str:
        """How messages name a domain: `admin` for `app/admin` inside a container."""
        return domain.rpartition("/")[2]

    @staticmethod
    def domain_parts(domain: str) -> tuple[str, ...]:
        """The domain's folders below the root: `("app", "admin")` for `app/admin`."""
        return tuple(domain.split("/"))

    def folder_role(self, folder: str) -> str | None:
        """The role a folder of modules plays: `models/` or `model/` (one module per entity) like `models.py`."""
        return (
            self.role_stems.get(folder)
            or self.role_stems.get(f"{folder}s")
            or (self.role_stems.get(folder[:-1]) if folder.endswith("s") else None)
        )

    def is_domain_name(self, name: str | None, root: str | None = None) -> bool:
        """Packages named like a role or a shared concern (`database/`, `core/`, `models/`) are global, and so
        are shared toolkits (see `_find_libraries`)."""
        if not name or (root, name) in self.containers or (root is None and name in {c for _, c in self.containers}):
            return False
        last = self.label(name)
        if last in self.role_stems or last in GENERIC_DIRS or last in FILE_TYPE_DIRS:
            return False
        return not any(lib == name and (root is None or r == root) for r, lib in self.libraries)

    def domain(self, place: Place) -> str | None:
        """The place's domain, or None for a global module (directly in the root or in a global package)."""
        return place.domain if self.is_domain_name(place.domain, place.root) else None

    def home(self, place: Place, role: str) -> str:
        """Where a file's `role` module belongs: next to it, in its (sub-)package, above role-named folders;
        for the database role, the project's existing database module if there is one."""
        if role == "database":
            candidates = [
                p for p in self.places.values() if p.root == place.root and p.role == "database" and not p.in_tests
            ]
            existing = sorted(p.path for p in candidates if p.domain is None) or sorted(p.path for p in candidates)
            if existing:
                return existing[0]
            return f"{place.root}/{self.project.config.role_files.get(role, ('database.py',))[0]}"
        folder = list(place.parts[:-1])
        while folder and folder[-1] in self.role_stems:
            folder.pop()
        name = self.project.config.role_files.get(role, (f"{role}.py",))[0]
        return "/".join((place.root or "", *folder, name)) if place.root else name

    def sub_domain(self, root: str, parts: tuple[str, ...]) -> bool:
        """A package inside a domain with role modules of its own (`incident/priority/models.py`), or one that
        only groups such packages (`integrations/aws/` holding `s3/`)."""
        if self.package_roles(root, parts) - {"utils"}:
            return True
        modules = [p for p in self._children.get((root, parts), ()) if not p.in_tests]
        return self.is_package(root, parts) and all(p.parts[-1] == "__init__.py" for p in modules)

    def _is_domain(self, root: str, rest: tuple[str, ...]) -> bool:
        """`rest[0]` is a package below the root: one in this run, or (when the run does not hold it) one that
        something is imported from and whose name is not that of a global module (`config`, `database`...)."""
        name = rest[0]
        if name in self._packages(root):
            return True
        if f"{root}/{name}.py" in self.project.summaries or f"{root}/{name}" in self._dirs:
            return False
        return len(rest) > 1 and name not in self.role_stems and name not in GENERIC_STEMS

    def _spellings(self, root: str) -> list[str]:
        """How imports spell a source root: its module name (`dispatch` for `src/dispatch` when `src` is on
        sys.path), its path, and its path below another source root."""
        dotted = root.replace("/", ".")
        out = [dotted]
        module = self.project.config.dotted(root)
        if module not in out:
            out.insert(0, module)
        for configured in self.project.config.source_roots:
            prefix = configured.replace("/", ".") + "."
            if dotted.startswith(prefix):
                out.append(dotted[len(prefix) :])
        return out

    def _packages(self, root: str) -> set[str]:
        cache = getattr(self, "_package_cache", None)
        if cache is None:
            cache = self._package_cache = {}
        if root not in cache:
            cache[root] = {p.domain for p in self.places.values() if p.root == root and p.domain}
        return cache[root]

    def is_package(self, root: str, parts: tuple[str, ...]) -> bool:
        return "/".join((root, *parts)) in self._dirs

    def package_roles(self, root: str, parts: tuple[str, ...]) -> set[str]:
        """Roles of the modules directly inside the package `root/parts...`."""
        roles = (self.project.config.role_of(p.parts[-1]) for p in self._children.get((root, parts), ()))
        return {role for role in roles if role}

    def manifest_at_root(self) -> bool:
        files = self.project.project_files
        return (
            "pyproject.toml" in files
            or any("/" not in p and p.startswith("requirements") for p in files)
            or any(p.startswith("requirements/") for p in files)
        )


def _entity_of(stem: str, packages: set[str | None]) -> bool:
    """`posts` or `post` names the domain package `posts`."""
    return any(pkg and stem in (pkg, pkg.rstrip("s"), pkg + "s") for pkg in packages)


# --- class kinds (B5) -----------------------------------------------------------------------------------


class ClassKinds:
    """What a project class is, following its bases through the project (B5)."""

    def __init__(self, project: Project):
        self.project = project
        self._roots: dict[str, frozenset[str]] = {}

    @classmethod
    def of(cls, project: Project) -> ClassKinds:
        kinds = getattr(project, "_structure_class_kinds", None)
        if kinds is None:
            kinds = project._structure_class_kinds = cls(project)
        return kinds

    def _external(self, name: str) -> str:
        """A base outside the project's classes; `Base = declarative_base()` gives `...declarative_base()`."""
        module, _, var = name.rpartition(".")
        summary = self.project.module_of.get(module)
        if summary is not None and var in summary.assigned_calls:
            callee = summary.assigned_calls[var]
            return f"{callee}()" if callee else ""
        return name

    def roots(self, qualname: str, _seen: frozenset[str] = frozenset()) -> frozenset[str]:
        """The external bases a class ultimately derives from ("" for a base that cannot be resolved)."""
        if qualname in self._roots:
            return self._roots[qualname]
        found = self.project.classes.get(qualname)
        if found is None or qualname in _seen:
            return frozenset()
        out: set[str] = set()
        for base in found[0].bases:
            if not base:
                out.add("")
                continue
            name = self.project.canonical(base)
            if name in self.project.classes and name != qualname:
                out |= self.roots(name, _seen | {qualname})
            else:
                out.add(self._external(name))
        result = frozenset(out)
        self._roots[qualname] = result
        return result

    def ancestors(self, qualname: str, _seen: frozenset[str] = frozenset()) -> list[str]:
        """Project classes the class derives from, nearest first."""
        found = self.project.classes.get(qualname)
        if found is None or qualname in _seen:
            return []
        out: list[str] = []
        for base in found[0].bases:
            name = self.project.canonical(base) if base else ""
            if name in self.project.classes and name != qualname and name not in out:
                out.append(name)
                out += [a for a in self.ancestors(name, _seen | {qualname}) if a not in out]
        return out

    def is_settings(self, cls: ClassInfo) -> bool:
        return bool(self.roots(cls.qualname) & SETTINGS_BASES)

    def is_schema(self, cls: ClassInfo) -> bool:
        roots = self.roots(cls.qualname)
        if not roots & PYDANTIC_BASES or roots & SETTINGS_BASES:
            return False
        return not self.is_orm(cls)

    def is_orm_base(self, cls: ClassInfo) -> bool:
        """`class Base(DeclarativeBase)`: the declarative base itself, not a mapped class."""
        return any(self._external(self.project.canonical(b)) in DECLARATIVE_BASES for b in cls.bases if b)

    def is_orm(
        self, cls: ClassInfo, abstract: frozenset[str] = frozenset(), tables: frozenset[str] = frozenset()
    ) -> bool:
        """A mapped class: declares `__tablename__`/`__table__` (`tables`), is an SQLModel `table=True`, or
        derives directly from the declarative base (which then names its table). A subclass of a mapped class
        that declares no table (a type-narrowing helper, single-table inheritance) is not counted."""
        if cls.qualname in abstract or self.is_orm_base(cls):
            return False
        if cls.qualname in tables:
            return True
        roots = self.roots(cls.qualname)
        if roots & SQLMODEL:
            return _table_true(cls)
        if not roots & (DECLARATIVE_BASES | DECLARATIVE_FACTORIES):
            return False
        for base in cls.bases:
            name = self.project.canonical(base) if base else ""
            if self._external(name) in DECLARATIVE_FACTORIES:
                return True
            found = self.project.classes.get(name)
            if found is not None and self.is_orm_base(found[0]):
                return True
        return False

    def is_exception(self, cls: ClassInfo) -> bool:
        roots = self.roots(cls.qualname)
        if not roots or "" in roots or roots & BUILTIN_WARNINGS:
            return False
        return all(r in BUILTIN_EXCEPTIONS or r.endswith(("Exception", "Error")) for r in roots)

    def is_enum(self, cls: ClassInfo) -> bool:
        return bool(self.roots(cls.qualname) & ENUM_BASES)


def _table_true(cls: ClassInfo) -> bool:
    return any(k == "table" and v == "True" for k, v in cls.keywords)


# --- reporting ------------------------------------------------------------------------------------------


def report_per_file(
    project: Project,
    rule_id: str,
    items: list[tuple[str, Span, str]],
    message: Callable[[str, list[str]], str],
) -> None:
    """One finding per file, on its first item: `message(path, labels)` names the first and counts the rest."""
    by_path: dict[str, list[tuple[Span, str]]] = defaultdict(list)
    for path, span, label in items:
        by_path[path].append((span, label))
    for path, found in by_path.items():
        found.sort()
        project.report(rule_id, path, found[0][0], message(path, [label for _, label in found]))


def subject(labels: list[str], noun: str, plural: str | None = None) -> str:
    """`` <noun> `A` is `` or `` <plural> `A`, `B` and 3 more are `` (the first two named)."""
    if len(labels) == 1:
        return f"{noun} `{labels[0]}` is"
    named = ", ".join(f"`{label}`" for label in labels[:2])
    rest = len(labels) - 2
    return f"{plural or noun + 's'} {named}{f' and {rest} more' if rest > 0 else ''} are"


def role_file(project: Project, role: str) -> str:
    names = project.config.role_files.get(role, ())
    return names[0] if names else f"{role}.py"


LINE_ONE: Span = (1, 1, 1, 1)


def _imported(package: str, modules: list[str], heads: set[str]) -> bool:
    """Whether some absolute import names `package` or a module below it (`heads`: their first parts)."""
    if "." not in package:
        return package in heads
    return any(m == package or m.startswith(package + ".") for m in modules)
