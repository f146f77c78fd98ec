"""Phase 2: the project index built from every file's summary (symbols, routes, dependencies)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from bp_rules.validator.config import Config
from bp_rules.validator.discovery import path_module_name
from bp_rules.validator.names import last
from bp_rules.validator.summary import Call, ClassInfo, FileSummary, Function, Param, Span

if TYPE_CHECKING:
    from bp_rules.schema.loader import Pack

T = TypeVar("T")


@dataclass
class ProjectFinding:
    rule: str
    path: str
    span: Span
    message: str


@dataclass
class Project:
    summaries: dict[str, FileSummary]
    config: Config
    pack: Pack
    project_files: dict[str, str] = field(default_factory=dict)  # path -> text of pyproject.toml etc.
    findings: list[ProjectFinding] = field(default_factory=list)
    selected: frozenset[str] = frozenset()  # the rule ids of this run, so that overlapping checks defer
    # the files whose findings are wanted (None: all). Checks that report a file's findings while visiting that
    # file loop over `reported_summaries()`/`reported_functions()`, so a run for one file visits one file; the
    # index and every lookup still see the whole project.
    focus: frozenset[str] | None = None

    def __post_init__(self) -> None:
        self.functions: dict[str, tuple[Function, FileSummary]] = {}
        self.classes: dict[str, tuple[ClassInfo, FileSummary]] = {}
        self.aliases: dict[str, Param] = {}
        self.module_of: dict[str, FileSummary] = {}
        self.reexports: dict[str, str] = {}
        self.prefixes: dict[str, str] = {}  # module-name spelling -> canonical module name
        for summary in self.summaries.values():
            for spelling in self._spellings(summary):
                self.prefixes[spelling] = summary.module
                self.module_of[spelling] = summary
        for summary in self.summaries.values():
            for fn in summary.functions:
                self.functions[fn.qualname] = (fn, summary)
            for cls in summary.classes:
                self.classes[cls.qualname] = (cls, summary)
            for name, alias in summary.aliases.items():
                self.aliases[f"{summary.module}.{name}"] = alias
            if summary.path.endswith("__init__.py"):
                for imp in summary.imports:
                    if imp.from_import and not imp.star:
                        self.reexports[f"{summary.module}.{imp.local}"] = imp.module
        self.routes: set[str] = set()
        for fn, _ in self.functions.values():
            if fn.routes:
                self.routes.add(fn.qualname)
        for summary in self.summaries.values():
            for endpoint, _route in summary.route_endpoints:
                name = self.canonical(endpoint)
                if name in self.functions:
                    self.routes.add(name)
        self.dependencies = self._collect_dependencies()
        self._call_names: dict[str, str] = {}  # a callee as spelled -> the project method it reaches
        self._shared: dict[type, object] = {}

    def reported_summaries(self) -> Iterator[FileSummary]:
        """The summaries of the files whose findings are wanted (see `focus`)."""
        if self.focus is None:
            yield from self.summaries.values()
            return
        for path, summary in self.summaries.items():
            if path in self.focus:
                yield summary

    def reported_functions(self) -> Iterator[tuple[Function, FileSummary]]:
        """`functions.values()` restricted to the files whose findings are wanted (see `focus`)."""
        if self.focus is None:
            yield from self.functions.values()
            return
        for fn, summary in self.functions.values():
            if summary.path in self.focus:
                yield fn, summary

    def shared(self, kind: type[T]) -> T:
        """One `kind(self)` per project: an index several checks build from the same summaries (which
        functions block, who reaches what) is built once per run."""
        found = self._shared.get(kind)
        if found is None:
            found = self._shared[kind] = kind(self)
        return found

    def _spellings(self, summary: FileSummary) -> list[str]:
        """The names a module may be imported by: its package name, and its path below the project root or
        below a source root (a tree without `__init__.py` files, imported either way)."""
        out = [summary.module]
        by_path = path_module_name(summary.path)
        for name in (by_path,):
            if name not in out:
                out.append(name)
        for root in self.config.source_roots:
            prefix = root.replace("/", ".") + "."
            if by_path.startswith(prefix) and by_path[len(prefix) :] not in out:
                out.append(by_path[len(prefix) :])
        return out

    # --- names ----------------------------------------------------------------------------------------

    def _known(self, name: str) -> bool:
        return name in self.functions or name in self.classes or name in self.aliases

    def _respell(self, name: str) -> str:
        head = name
        while True:
            head = head.rpartition(".")[0]
            if not head:
                return name
            if head in self.prefixes:
                return self.prefixes[head] + name[len(head) :]

    def canonical(self, name: str) -> str:
        """Map a qualified name as some module spelled it to the project's own spelling."""
        for _ in range(5):  # follow re-exports through package __init__ files
            if self._known(name):
                return name
            respelled = self._respell(name)
            if self._known(respelled):
                return respelled
            target = self.reexports.get(respelled) or self.reexports.get(name)
            if target is None:
                return respelled
            name = target
        return name

    def function(self, name: str) -> tuple[Function, FileSummary] | None:
        return self.functions.get(self.canonical(name)) if name else None

    def alias(self, name: str) -> Param | None:
        return self.aliases.get(self.canonical(name)) if name else None

    def param_dependency(self, param: Param) -> str | None:
        """The dependency a parameter injects, following an Annotated alias defined in another module."""
        if param.depends:
            return param.depends
        if param.alias:
            alias = self.alias(param.alias)
            if alias is not None and alias.depends:
                return alias.depends
        return None

    def _collect_dependencies(self) -> set[str]:
        found: set[str] = set()
        for fn, _ in self.functions.values():
            for param in fn.params:
                dep = self.param_dependency(param)
                if dep:
                    found.add(self.canonical(dep))
            found.update(self.canonical(d) for d in fn.dependencies)
        for alias in self.aliases.values():
            if alias.depends:
                found.add(self.canonical(alias.depends))
        return {name for name in found if name in self.functions}

    def is_route(self, fn: Function) -> bool:
        return fn.qualname in self.routes

    def is_dependency(self, fn: Function) -> bool:
        return fn.qualname in self.dependencies

    def is_injected(self, fn: Function) -> bool:
        """A route, a dependency, or a function whose parameters FastAPI injects (only those have them)."""
        return self.is_route(fn) or self.is_dependency(fn) or any(self.param_dependency(p) for p in fn.params)

    # --- types the code states ------------------------------------------------------------------------

    def call_name(self, fn: Function | None, call: Call) -> str:
        """The qualified callee of a call of `fn`, typed through what the code states: `self.repos.users.get_one`
        is `RepositoryUsers.get_one` when `repos` and `users` are typed attributes or properties, and
        `session.execute` is `sqlalchemy.orm.Session.execute` when `session=Depends(f)` and `f` yields a
        `Session`. A method of an instance (`UserRepo().get`) or of a typed parameter is the class's method."""
        if call.name:
            if call.name not in self._call_names:
                self._call_names[call.name] = self._through_class(call.name) or call.name
            return self._call_names[call.name]
        if not call.raw or fn is None:
            return ""
        parts = call.raw.split(".")
        if parts[0].endswith("()"):
            return ""
        return self._members(self.param_type(fn, parts[0]), parts[1:])

    def param_type(self, fn: Function, name: str) -> str:
        """A parameter's type: its annotation, else what its dependency returns; a method's first parameter
        is its class."""
        for i, param in enumerate(fn.params):
            if param.name != name:
                continue
            if i == 0 and fn.in_class and "staticmethod" not in {last(d) for d in fn.decorators}:
                return fn.in_class
            if param.annotation:
                return param.annotation
            dep = self.param_dependency(param)
            if not dep:
                return ""
            found = self.function(dep)
            if found is not None:
                return found[0].returns
            return f"{self.canonical(dep)}()" if self.canonical(dep) in self.classes else ""
        return ""

    def _members(self, kind: str, parts: list[str]) -> str:
        """Walk `a.b().c` from a type through typed attributes, properties and method returns."""
        for i, part in enumerate(parts):
            if not kind:
                return ""
            called, attr = part.endswith("()"), part.removesuffix("()")
            cls = self._project_class(kind)
            if cls is None:  # a library type: the rest is spelled on it (`sqlalchemy.orm.Session.execute`)
                return ".".join([kind, *parts[i:]])
            method = self.method(cls, attr)
            if i == len(parts) - 1:
                return method or ""
            if method is not None:
                target = self.functions[method][0]
                properties = {last(d) for d in target.decorators} & {"property", "cached_property"}
                kind = target.returns if called or properties else ""
            else:
                kind = "" if called else self.attribute(cls, attr)
        return ""

    def _through_class(self, name: str) -> str | None:
        """`pkg.Repo().get` or `pkg.AllRepos.users.get` (a parameter annotated with a project class): the
        project method it reaches; None when the name is a project function already or names no class."""
        if name in self.functions:
            return None
        parts = name.split(".")
        for i in range(len(parts) - 1, 0, -1):
            head = ".".join(parts[:i])
            cls = self._project_class(head)
            if cls is not None:
                return self._members(cls, parts[i:]) or None
            if head.endswith("()") and "()" not in head[:-2]:  # `get_repositories().users.get_one`
                found = self.function(head[:-2])
                if found is not None:
                    return self._members(found[0].returns, parts[i:]) or None
        return None

    def _project_class(self, kind: str) -> str | None:
        name = self.canonical(kind.removesuffix("()"))
        return name if name in self.classes else None

    def _bases(self, cls: str, depth: int = 0):
        yield cls
        found = self.classes.get(cls)
        if found is None or depth > 6:
            return
        for base in found[0].bases:
            name = self.canonical(base) if base else ""
            if name in self.classes and name != cls:
                yield from self._bases(name, depth + 1)

    def method(self, cls: str, name: str) -> str | None:
        """The qualname of a method of a project class, inherited from a project base class too."""
        for owner in self._bases(cls):
            if f"{owner}.{name}" in self.functions:
                return f"{owner}.{name}"
        return None

    def attribute(self, cls: str, name: str) -> str:
        for owner in self._bases(cls):
            kind = self.classes[owner][0].attributes.get(name)
            if kind:
                return kind
        return ""

    # --- reporting ------------------------------------------------------------------------------------

    def report(self, rule: str, path: str, span: Span, message: str) -> None:
        self.findings.append(ProjectFinding(rule, path, span, message))
