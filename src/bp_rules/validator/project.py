"""Phase 2: the project index built from every file's summary (symbols, routes, dependencies)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bp_rules.validator.config import Config
from bp_rules.validator.discovery import path_module_name
from bp_rules.validator.summary import ClassInfo, FileSummary, Function, Param, Span

if TYPE_CHECKING:
    from bp_rules.schema.loader import Pack


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

    # --- reporting ------------------------------------------------------------------------------------

    def report(self, rule: str, path: str, span: Span, message: str) -> None:
        self.findings.append(ProjectFinding(rule, path, span, message))
