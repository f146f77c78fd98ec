"""Tree-level structure checks: the domain layout, the app's home, tests, manifests, root files, lifespan."""

from __future__ import annotations

import re
import tomllib
from pathlib import PurePosixPath

import libcst as cst
import pathspec

from bp_rules.validator import names as N
from bp_rules.validator.analysis.layout import (
    FASTAPI_APP,
    LINE_ONE,
    TABLE_CALLS,
    ClassKinds,
    Layout,
    Place,
    is_test_path,
    role_file,
)
from bp_rules.validator.analysis.tables import record_table_classes, table_facts
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import dotted, keyword_arg, positional
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register
from bp_rules.validator.summary import FileSummary, Function

# --- structure-by-domain -----------------------------------------------------------------------------------

FOLDER_ROLE = {
    "routers": "router", "routes": "router", "endpoints": "router", "api": "router", "apis": "router",
    "views": "router", "controllers": "router", "schemas": "schemas", "models": "models", "crud": "service",
    "cruds": "service", "repositories": "service", "repository": "service", "repos": "service",
    "services": "service",
}  # fmt: skip


@register
class ByDomain(ProjectCheck):
    rule_id = "structure-by-domain"

    def check(self, project: Project) -> None:
        layout = Layout.of(project)
        for folder, why in sorted(layout.flagged_folders.items()):
            modules = layout.type_folders[folder]
            first = modules[0]
            place = layout.place(first)
            name = folder.rsplit("/", 1)[-1]
            target = role_file(project, FOLDER_ROLE.get(name, "router"))
            example = f"`{place.root}/{PurePosixPath(first).stem}/{target}`"
            listed = ", ".join(PurePosixPath(m).name for m in modules[:3]) + (", ..." if len(modules) > 3 else "")
            if why == "routers":
                message = (
                    f"`{folder}/` holds the routers of domain packages ({listed}); move each into its domain "
                    f"package, e.g. {example}"
                )
            else:
                message = (
                    f"`{folder}/` groups code by file type, one module per entity ({listed}); give each entity "
                    f"its own domain package, e.g. {example}"
                )
            project.report(self.rule_id, first, LINE_ONE, message)


# --- structure-src-root ------------------------------------------------------------------------------------

FACTORY_NAMES = frozenset(
    {"create_app", "get_application", "get_app", "make_app", "build_app", "create_application", "app_factory"}
)


@register
class SrcRootMounts(FileCheck):
    """Records the apps mounted on another app (`app.mount("/admin", admin_app)`): sub-applications."""

    rule_id = "structure-src-root"
    node_types = (cst.Call,)

    def check(self, ctx: FileContext) -> None:
        for node, scope in ctx.nodes(cst.Call):
            func = node.func
            if not isinstance(func, cst.Attribute) or func.attr.value not in ("mount", "host"):
                continue
            arg = keyword_arg(node, "app") or positional(node, 1)
            if arg is not None:
                name = ctx.qualify(arg.value, scope)
                if name:
                    ctx.summary.facts.setdefault(self.rule_id, []).append(["mount", name])


@register
class SrcRoot(ProjectCheck):
    rule_id = "structure-src-root"

    def check(self, project: Project) -> None:
        layout = Layout.of(project)
        mounted = {
            project.canonical(fact[1])
            for summary in project.summaries.values()
            for fact in summary.facts.get(self.rule_id, [])
            if fact and fact[0] == "mount"
        }
        called_from_main: set[str] = set()
        for root in layout.roots:
            main = layout.root_main(root)
            if main is not None:
                summary = project.summaries[main]
                for call in _all_calls(summary):
                    called_from_main.add(project.canonical(call.name))
        configured = ", ".join(f"`{r}/`" for r in project.config.source_roots)
        for path, summary in sorted(project.summaries.items()):
            place = layout.place(path)
            if place.in_tests or place.in_migrations or place.is_root_main:
                continue
            # outside the source root: only when the project has none (a script beside `src/` is no app)
            if place.root is None and (layout.roots or not layout.manifest_at_root()):
                continue
            for fn, call in _app_calls(summary):
                if self._mounted(project, summary, fn, mounted):
                    continue
                if place.root is not None:
                    if fn is not None and (fn.name in FACTORY_NAMES or fn.qualname in called_from_main):
                        continue
                    main = f"{place.root}/main.py"
                    where = "beside" if main in project.summaries else "outside"
                    message = (
                        f"`FastAPI()` is created in `{path}`, a second application {where} `{main}`; create the "
                        f"app once in `{main}` (or a factory it calls) and include this module's router there"
                    )
                else:
                    message = (
                        f"`FastAPI()` is created in `{path}`, outside the source root ({configured}); move the "
                        "application package under `src/` and create the app in `src/main.py` (or set "
                        "`source-roots` in `[tool.bp-rules]`)"
                    )
                project.report(self.rule_id, path, call.span, message)

    @staticmethod
    def _mounted(project: Project, summary: FileSummary, fn: Function | None, mounted: set[str]) -> bool:
        if fn is not None or not mounted:
            return False
        apps = [var for var, callee in summary.assigned_calls.items() if callee in FASTAPI_APP]
        return bool(apps) and all(f"{summary.module}.{var}" in mounted for var in apps)


def _all_calls(summary: FileSummary):
    yield from summary.module_calls
    for fn in summary.functions:
        yield from fn.calls


def _app_calls(summary: FileSummary):
    for call in summary.module_calls:
        if call.name in FASTAPI_APP:
            yield None, call
    for fn in summary.functions:
        for call in fn.calls:
            if call.name in FASTAPI_APP and not call.nested:
                yield fn, call


# --- structure-tests-mirror-domains ------------------------------------------------------------------------


@register
class TestsMirrorDomains(ProjectCheck):
    rule_id = "structure-tests-mirror-domains"

    def check(self, project: Project) -> None:
        layout = Layout.of(project)
        if not layout.by_domain:
            return
        tests = [p for p in project.summaries if is_test_path(p) and {"tests", "test"} & set(PurePosixPath(p).parts)]
        if not tests:
            return
        folders: set[str] = set()
        modules: list[tuple[tuple[str, ...], str]] = []
        for path in tests:
            parts = PurePosixPath(path).parts
            folders.update(parts[:-1])
            modules.append((parts[:-1], PurePosixPath(path).stem))
        routers: dict[tuple[str, str], str] = {}
        for place, _summary in layout.checked():
            if (
                place.domain
                and place.parts[:-1] == layout.domain_parts(place.domain)
                and project.config.role_of(place.parts[-1]) == "router"
            ):
                key = (place.root, layout.label(place.domain))
                routers[key] = min(routers.get(key, place.path), place.path)
        # what test modules import (not factories or conftest, which set up data for every domain's tests)
        imported = {
            project.canonical(imp.module)
            for path in tests
            if PurePosixPath(path).stem.startswith("test_") or PurePosixPath(path).stem.endswith("_test")
            for imp in project.summaries[path].imports
        }
        for (_root, domain), router in sorted(routers.items()):
            names = {domain, domain.rstrip("s"), domain + "s"}
            if names & folders or any(_tests_domain(folder, stem, names) for folder, stem in modules):
                continue
            package = project.summaries[router].module.rpartition(".")[0] if router in project.summaries else ""
            if package and any(m == package or m.startswith(package + ".") for m in imported):
                continue  # `tests/individual_contact/` importing `src.individual` tests that domain
            project.report(
                self.rule_id,
                router,
                LINE_ONE,
                f"domain `{domain}` has routes (`{router}`) but no tests of its own; add `tests/{domain}/` "
                f"(e.g. `tests/{domain}/test_router.py`)",
            )


def _tests_domain(folder: tuple[str, ...], stem: str, names: set[str]) -> bool:
    """`tests/test_posts_api.py` tests `posts`; `tests/incident_type/test_incident_type_service.py` does not
    test `incident` (it sits in another domain's folder)."""
    for name in names:
        prefix = f"test_{name}"
        if stem == prefix or stem.startswith(prefix + "_"):
            return not any(f.startswith(name + "_") for f in folder)
    return False


# --- structure-requirements-split --------------------------------------------------------------------------

DEV_TOOLS = frozenset(
    {
        "pytest", "ruff", "mypy", "coverage", "pre-commit", "black", "isort", "flake8", "pylint", "pyright",
        "tox", "nox", "ipdb", "bandit", "autoflake", "autopep8", "yapf", "pyflakes", "pycodestyle",
    }
)  # fmt: skip
_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def dev_tool(requirement: str) -> str | None:
    match = _REQ_NAME.match(requirement)
    if not match:
        return None
    name = _normalize(match.group(1))
    if name in DEV_TOOLS or name.startswith(("pytest-", "types-", "flake8-", "mypy-")):
        return name
    return None


@register
class RequirementsSplit(ProjectCheck):
    rule_id = "structure-requirements-split"

    def check(self, project: Project) -> None:
        for path, text in sorted(project.project_files.items()):
            name = PurePosixPath(path).name
            if name == "requirements.txt":
                self._requirements(project, path, text)
            elif name == "pyproject.toml":
                self._pyproject(project, path, text)

    def _requirements(self, project: Project, path: str, text: str) -> None:
        if _exported_from_groups(project, path, text):
            return  # the split lives in the pyproject's groups; this file is an export of them
        for number, line in enumerate(text.splitlines(), start=1):
            stripped = line.split("#", 1)[0].strip()
            if not stripped or stripped.startswith("-"):
                continue
            tool = dev_tool(stripped)
            if tool:
                project.report(
                    self.rule_id,
                    path,
                    (number, 1, number, len(line) + 1),
                    f"development tool `{tool}` is in the flat `{path}`, so it ships to production; move it to "
                    "`requirements/dev.txt` (starting with `-r base.txt`)",
                )

    def _pyproject(self, project: Project, path: str, text: str) -> None:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            return
        if _declares_groups(data):
            return
        deps = data.get("project", {}).get("dependencies", [])
        tools = [d for d in deps if isinstance(d, str) and dev_tool(d)]
        poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {})
        tools += [n for n in poetry if isinstance(n, str) and dev_tool(n)] if isinstance(poetry, dict) else []
        lines = text.splitlines()
        for requirement in tools:
            number = _line_of(lines, requirement)
            tool = dev_tool(requirement)
            project.report(
                self.rule_id,
                path,
                (number, 1, number, len(lines[number - 1]) + 1 if lines else 1),
                f"development tool `{tool}` is a runtime dependency in `{path}`; move it to a "
                "`[dependency-groups] dev` table",
            )


EXPORT_HEADER = re.compile(r"^#.*\b(?:uv|poetry|pdm)\s+export\b", re.MULTILINE)


def _exported_from_groups(project: Project, path: str, text: str) -> bool:
    """A requirements file a tool writes (`uv export`, `poetry export`) from a pyproject with dependency groups."""
    if not EXPORT_HEADER.search("\n".join(text.splitlines()[:5])):
        return False
    folder = path.rpartition("/")[0]
    pyproject = project.project_files.get(f"{folder}/pyproject.toml" if folder else "pyproject.toml")
    try:
        return pyproject is not None and _declares_groups(tomllib.loads(pyproject))
    except tomllib.TOMLDecodeError:
        return False


def _declares_groups(data: dict) -> bool:
    tool = data.get("tool", {})
    poetry = tool.get("poetry", {})
    return bool(
        data.get("dependency-groups")
        or data.get("project", {}).get("optional-dependencies")
        or poetry.get("group")
        or poetry.get("dev-dependencies")
        or tool.get("uv", {}).get("dev-dependencies")
        or tool.get("pdm", {}).get("dev-dependencies")
        or tool.get("hatch", {}).get("envs")
    )


def _line_of(lines: list[str], requirement: str) -> int:
    """The line that declares a requirement: its quoted string, or a `name = ...` key (Poetry)."""
    name = _REQ_NAME.match(requirement).group(1) if _REQ_NAME.match(requirement) else requirement
    for number, line in enumerate(lines, start=1):
        if f'"{requirement}"' in line or f"'{requirement}'" in line:
            return number
    key = re.compile(rf"^\s*{re.escape(name)}\s*=", re.IGNORECASE)
    for number, line in enumerate(lines, start=1):
        if key.match(line):
            return number
    return 1


# --- structure-root-config-files ---------------------------------------------------------------------------

LOGGING_FILES = (
    "logging.ini", "logging.conf", "logging.cfg", "logging.yaml", "logging.yml", "logging.json", "log_conf.yaml",
    "log_conf.yml", "log_config.yaml", "log_config.yml", "log_config.json",
)  # fmt: skip
LOGGING_CALLS = ("logging.config.", "structlog.configure", "logfire.configure", "loguru.logger.configure")
_SQLA_LINE = re.compile(r"""^\s*["']?(sqlalchemy|sqlmodel|flask-sqlalchemy)\b(?!\.)""", re.IGNORECASE)


@register
class RootConfigTables(FileCheck):
    rule_id = "structure-root-config-files"

    def check(self, ctx: FileContext) -> None:
        record_table_classes(ctx, self.rule_id)


@register
class RootConfigFiles(ProjectCheck):
    rule_id = "structure-root-config-files"

    def check(self, project: Project) -> None:
        layout = Layout.of(project)
        self._alembic(project, layout)
        self._logging(project, layout)
        self._dotenv(project)

    def _alembic(self, project: Project, layout: Layout) -> None:
        files = project.project_files
        if any(PurePosixPath(p).name == "alembic.ini" for p in files):
            return
        pyproject = files.get("pyproject.toml", "")
        if "[tool.alembic]" in pyproject:
            return
        root = project.config.root
        if any((root / d).is_dir() for d in project.config.migrations_dirs):
            return
        if not self._declares_tables(project, layout):
            return
        for path in ["pyproject.toml", *sorted(p for p in files if PurePosixPath(p).name.startswith("requirements"))]:
            text = files.get(path)
            if text is None:
                continue
            for number, line in enumerate(text.splitlines(), start=1):
                if _SQLA_LINE.match(line):
                    project.report(
                        self.rule_id,
                        path,
                        (number, 1, number, len(line) + 1),
                        "the project declares SQLAlchemy tables but has no `alembic.ini` or migrations folder; "
                        "run `alembic init -t async alembic` and manage the schema with migrations",
                    )
                    return

    @staticmethod
    def _declares_tables(project: Project, layout: Layout) -> bool:
        kinds = ClassKinds.of(project)
        tables, abstract = table_facts(project, RootConfigFiles.rule_id)
        for path, summary in project.summaries.items():
            place = layout.place(path)
            if place.in_tests or place.in_migrations:
                continue
            if any(c.name in TABLE_CALLS for c in summary.module_calls):
                return True
            if any(not cls.nested and kinds.is_orm(cls, abstract, tables) for cls in summary.classes):
                return True
        return False

    def _logging(self, project: Project, layout: Layout) -> None:
        if not layout.manifest_at_root():
            return
        mains = [m for m in (layout.root_main(r) for r in layout.roots) if m]
        if not mains:
            return
        root = project.config.root
        if any(name in project.project_files or (root / name).is_file() for name in LOGGING_FILES):
            return
        for summary in project.summaries.values():
            for call in _all_calls(summary):
                name = call.name
                if name.startswith(LOGGING_CALLS) or name == "logging.basicConfig" or "log_config" in call.keywords:
                    return
        for main in mains:
            project.report(
                self.rule_id,
                main,
                LINE_ONE,
                "the app never configures logging (no `logging.ini` and no `logging.config` call), so it logs "
                "with whatever defaults uvicorn, gunicorn or tests set; add a `logging.ini` or call "
                "`logging.config.dictConfig(...)` at startup",
            )

    def _dotenv(self, project: Project) -> None:
        files = project.project_files
        if ".env" not in files:
            return
        ignore = files.get(".gitignore", "")
        spec = pathspec.PathSpec.from_lines("gitignore", ignore.splitlines())
        if spec.match_file(".env"):
            return
        project.report(
            self.rule_id,
            ".env",
            LINE_ONE,
            "`.env` is not matched by `.gitignore`, so local secrets are one `git add .` away from the repository; "
            "add `.env` to `.gitignore`",
        )


# --- structure-main-lifespan -------------------------------------------------------------------------------

APP_FACTORIES = N.ROUTER_FACTORIES | {"starlette.applications.Starlette", "starlette.routing.Router"}
EVENT_KEYWORDS = ("on_startup", "on_shutdown")


@register
class MainLifespan(FileCheck):
    rule_id = "structure-main-lifespan"
    node_types = (cst.Call,)

    def check(self, ctx: FileContext) -> None:
        for fn in ctx.summary.functions:
            for expr, method in ctx.method_decorators(fn):
                if method == "on_event" and _is_app(ctx, expr.func.value, None):
                    event = _event(expr)
                    ctx.report(
                        self.rule_id,
                        expr,
                        f"`@{dotted(expr.func)}({event})` on `{fn.name}` is deprecated and ignored once the app has a "
                        "lifespan; move it into an `@asynccontextmanager` lifespan passed as `FastAPI(lifespan=...)`",
                    )
        for node, scope in ctx.nodes(cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value == "add_event_handler":
                if _is_app(ctx, func.value, scope):
                    ctx.report(
                        self.rule_id,
                        node,
                        f"`{dotted(func)}(...)` registers a deprecated startup/shutdown handler; do the work in an "
                        "`@asynccontextmanager` lifespan passed as `FastAPI(lifespan=...)`",
                    )
                continue
            callee = ctx.qualify(func, scope)
            if callee not in APP_FACTORIES:
                continue
            for arg in node.args:
                if arg.keyword is not None and arg.keyword.value in EVENT_KEYWORDS:
                    ctx.report(
                        self.rule_id,
                        arg.keyword,
                        f"`{arg.keyword.value}=` of `{N.last(callee)}(...)` is deprecated; move these handlers into "
                        "an `@asynccontextmanager` lifespan passed as `lifespan=`",
                    )


def _event(call: cst.Call) -> str:
    arg = positional(call, 0) or keyword_arg(call, "event_type")
    return cst.Module([]).code_for_node(arg.value) if arg is not None else ""


def _is_app(ctx: FileContext, expr: cst.BaseExpression, scope) -> bool:
    """An app or router: a module variable made by `FastAPI()`/`APIRouter()`, else by name (B1 fallback)."""
    name = ctx.qualify(expr, scope)
    local = name.removeprefix(ctx.module + ".")
    if name.startswith(ctx.module + ".") and local in ctx.summary.assigned_calls:
        return local in ctx.summary.routers or ctx.summary.assigned_calls[local] in APP_FACTORIES
    raw = dotted(expr)
    return bool(raw) and N.looks_like_router(raw)


# --- structure-global-modules ------------------------------------------------------------------------------

ENGINE_CALLS = frozenset(
    {
        "sqlalchemy.create_engine", "sqlalchemy.engine.create_engine", "sqlalchemy.ext.asyncio.create_async_engine",
        "sqlalchemy.ext.asyncio.engine.create_async_engine", "sqlalchemy.orm.sessionmaker",
        "sqlalchemy.orm.session.sessionmaker", "sqlalchemy.ext.asyncio.async_sessionmaker",
        "sqlalchemy.ext.asyncio.session.async_sessionmaker", "sqlmodel.create_engine",
    }
)  # fmt: skip
WIRING = frozenset({"add_middleware", "include_router", "mount"})


@register
class GlobalModules(ProjectCheck):
    rule_id = "structure-global-modules"

    def check(self, project: Project) -> None:
        layout = Layout.of(project)
        if not layout.by_domain:
            return
        for place, summary in layout.reported():
            if place.role != "database" and layout.domain(place) is not None:
                self._engines(project, place, summary)
            if place.role != "main":
                self._wiring(project, place, summary)
        self._global_files(project, layout)

    def _engines(self, project: Project, place: Place, summary: FileSummary) -> None:
        database = Layout.of(project).home(place, "database")
        lines: set[int] = set()
        for call in _all_calls(summary):
            if call.name in ENGINE_CALLS and call.span[0] not in lines:
                lines.add(call.span[0])
                what = N.last(call.name)
                kind = "a session factory" if "session" in what else "an engine"
                project.report(
                    self.rule_id,
                    place.path,
                    call.span,
                    f"`{what}(...)` creates {kind} in `{place.path}`; create the engine and session factory once, "
                    f"in `{database}`, and import them",
                )

    def _wiring(self, project: Project, place: Place, summary: FileSummary) -> None:
        for call in _all_calls(summary):
            if call.receiver or "." not in call.name:
                continue
            receiver, _, method = call.name.rpartition(".")
            if method not in WIRING:
                continue
            module, _, var = receiver.rpartition(".")
            if not module or module == summary.module or "(" in receiver:
                continue
            other = project.module_of.get(module)
            if other is not None:
                if other.assigned_calls.get(var) not in FASTAPI_APP:
                    continue
            elif N.last(module) != "main" or not N.looks_like_router(var):
                continue
            main = f"{place.root}/main.py"
            project.report(
                self.rule_id,
                place.path,
                call.span,
                f"`{var}.{method}(...)` wires the app imported from `{module}` in `{place.path}`; do all "
                f"`add_middleware`/`include_router` wiring of the app in `{main}`",
            )

    def _global_files(self, project: Project, layout: Layout) -> None:
        if not layout.manifest_at_root():
            return
        for root in layout.roots:
            main = layout.root_main(root)
            if main is None or len(layout.domains.get(root, ())) < 2:
                continue
            present = {PurePosixPath(p).name for p in project.summaries if PurePosixPath(p).parent.as_posix() == root}
            packages = {layout.place(p).domain for p in project.summaries if layout.place(p).root == root}
            missing = []
            for role in ("config", "exceptions"):
                names = project.config.role_files.get(role, ())
                if not any(n in present for n in names) and not any(n.removesuffix(".py") in packages for n in names):
                    missing.append(f"`{root}/{role_file(project, role)}`")
            if missing:
                project.report(
                    self.rule_id,
                    main,
                    LINE_ONE,
                    f"the app has {len(layout.domains[root])} domains but no {' or '.join(missing)}; add "
                    f"{'them' if len(missing) > 1 else 'it'} for app-wide settings and base exceptions",
                )
