"""Imports between domains: explicit aliases, no star imports, no deep paths, no cycles."""

from __future__ import annotations

from collections import deque
from pathlib import PurePosixPath

from bp_rules.validator.analysis.layout import Layout
from bp_rules.validator.project import Project
from bp_rules.validator.registry import ProjectCheck, register
from bp_rules.validator.summary import FileSummary, Import, Span


def _from_module(imp: Import) -> str:
    """The module an import reads: `from a.b import c` reads `a.b`; `import a.b` reads `a.b`."""
    return imp.module.rpartition(".")[0] if imp.from_import else imp.module


def _defines(project: Project, summary: FileSummary, name: str, imported: str) -> bool:
    """Whether a module binds `name` to something other than `imported` (the same object imported twice
    is no clash)."""
    if any(fn.name == name and not fn.in_class and not fn.nested for fn in summary.functions):
        return True
    if any(cls.name == name and not cls.nested for cls in summary.classes):
        return True
    if name in summary.assigned_calls or name in summary.aliases:
        return True
    target = project.canonical(imported)
    return any(
        imp.local == name and not imp.in_function and project.canonical(imp.module) != target for imp in summary.imports
    )


# --- structure-explicit-cross-domain-imports ---------------------------------------------------------------


@register
class ExplicitCrossDomainImports(ProjectCheck):
    rule_id = "structure-explicit-cross-domain-imports"

    def check(self, project: Project) -> None:
        layout = Layout.of(project)
        if not layout.by_domain:
            return
        for place, summary in layout.reported():
            domain = layout.domain(place)
            if domain is None:
                continue
            for imp in summary.imports:
                if not imp.from_import or imp.star:
                    continue
                found = layout.domain_of_module(imp.module)
                if found is None:
                    continue
                root, other, rest, _ = found
                if root != place.root or other == domain:
                    continue
                name = imp.module.rpartition(".")[2]
                label = layout.label(other)
                if len(rest) == 1 and imp.local == name and self._is_module(project, layout, root, other, name):
                    project.report(
                        self.rule_id,
                        summary.path,
                        imp.span,
                        f"`{name}` of domain `{label}` is imported under its bare name, which reads as this "
                        f"domain's own `{name}`; import it as `{label}_{name}`",
                    )
                elif len(rest) == 2 and imp.local == name:
                    package = (
                        summary.module if summary.path.endswith("__init__.py") else summary.module.rpartition(".")[0]
                    )
                    own = project.module_of.get(f"{package}.{rest[0]}")
                    if own is not None and own.path != summary.path and _defines(project, own, name, imp.module):
                        alias = "".join(p.capitalize() for p in label.split("_")) + name
                        project.report(
                            self.rule_id,
                            summary.path,
                            imp.span,
                            f"`{name}` from domain `{label}` shadows `{layout.label(domain)}`'s own "
                            f"`{rest[0]}.{name}`; "
                            f"import it as `{alias}`",
                        )

    @staticmethod
    def _is_module(project: Project, layout: Layout, root: str, domain: str, name: str) -> bool:
        path = f"{root}/{domain}/{name}"
        if f"{path}.py" in project.summaries or layout.is_package(root, (domain, name)):
            return True
        if any(p.startswith(f"{root}/{domain}/") for p in project.summaries):
            return False  # the domain is in this run and has no such module: a name from its __init__
        return project.config.role_of(f"{name}.py") is not None


# --- structure-no-star-imports -----------------------------------------------------------------------------


@register
class NoStarImports(ProjectCheck):
    rule_id = "structure-no-star-imports"

    def check(self, project: Project) -> None:
        layout = Layout.of(project)
        first_party = {m.split(".", 1)[0] for m in project.module_of} | project.config.first_party()
        for path, summary in sorted(project.summaries.items()):
            place = layout.place(path)
            name = PurePosixPath(path).name
            if place.in_tests or (place.in_migrations and name == "env.py"):
                continue  # test fixtures are star-imported to register them with pytest
            for imp in summary.imports:
                if not imp.star:
                    continue
                if imp.level == 0 and imp.module.split(".", 1)[0] not in first_party:
                    continue
                written = "." * imp.level if imp.level else ""
                shown = f"{written}{imp.module.rsplit('.', 1)[-1]}" if imp.level else imp.module
                project.report(
                    self.rule_id,
                    path,
                    imp.span,
                    f"`from {shown} import *` hides where names come from and what this module depends on; "
                    "import the names you use, or the module under an alias",
                )


# --- structure-no-deep-cross-domain-imports ----------------------------------------------------------------


@register
class NoDeepCrossDomainImports(ProjectCheck):
    rule_id = "structure-no-deep-cross-domain-imports"

    def check(self, project: Project) -> None:
        layout = Layout.of(project)
        if not layout.by_domain:
            return
        for place, summary in layout.reported():
            domain = layout.domain(place)
            seen: set[tuple[int, str]] = set()
            for imp in summary.imports:
                if imp.star:
                    continue
                module = _from_module(imp)
                found = layout.domain_of_module(module)
                if found is None or (imp.span[0], module) in seen:
                    continue
                root, other, rest, prefix = found
                if root != place.root or other == domain or len(rest) < 2:
                    continue
                folders = layout.domain_parts(other)
                if all(layout.sub_domain(root, (*folders, *rest[:i])) for i in range(1, len(rest))):
                    continue  # each package on the way has role modules of its own: sub-domains, public
                seen.add((imp.span[0], module))
                shown = ".".join((prefix, *folders))
                label = layout.label(other)
                project.report(
                    self.rule_id,
                    summary.path,
                    imp.span,
                    f"this import reaches into domain `{label}`'s internals (`{shown}.{'.'.join(rest)}`); import "
                    f"its top-level module instead (`from {shown} import {rest[0]} as {label}_{rest[0]}`) and let "
                    f"`{label}` expose what others need",
                )


# --- structure-no-domain-import-cycles ---------------------------------------------------------------------


@register
class NoDomainImportCycles(ProjectCheck):
    rule_id = "structure-no-domain-import-cycles"
    MAX_LISTED = 3

    def check(self, project: Project) -> None:
        layout = Layout.of(project)
        if not layout.by_domain:
            return
        graph: dict[tuple[str, str], dict[tuple[str, str], tuple[str, Span]]] = {}
        for path, summary in sorted(project.summaries.items()):
            place = layout.place(path)
            domain = layout.domain(place)
            if place.root is None or domain is None or place.in_tests or place.in_migrations:
                continue
            node = (place.root, domain)
            edges = graph.setdefault(node, {})
            for imp in sorted(summary.imports, key=lambda i: i.span):
                found = layout.domain_of_module(_from_module(imp) if imp.from_import else imp.module)
                if found is None and imp.from_import:
                    found = layout.domain_of_module(imp.module)
                if found is None:
                    continue
                root, other = found[0], found[1]
                target = (root, other)
                if root == place.root and other != domain and target not in edges:
                    edges[target] = (path, imp.span)
        adjacency = {n: sorted(e) for n, e in graph.items()}
        cycles: set[tuple[tuple[str, str], ...]] = set()
        for component in _strongly_connected(adjacency):
            if len(component) < 2:
                continue
            for start in sorted(component):
                cycle = _shortest_cycle(adjacency, start, component)
                if cycle:
                    pivot = cycle.index(min(cycle))
                    cycles.add(tuple(cycle[pivot:] + cycle[:pivot]))
        by_anchor: dict[tuple[str, Span], list[tuple[tuple[str, str], ...]]] = {}
        for cycle in cycles:
            anchor = graph[cycle[0]][cycle[1]]
            by_anchor.setdefault(anchor, []).append(cycle)
        for (path, span), found in sorted(by_anchor.items()):
            found.sort(key=lambda c: (len(c), c))
            shown = [" -> ".join(layout.label(d) for _, d in (*c, c[0])) for c in found]
            listed = ", ".join(f"`{s}`" for s in shown[: self.MAX_LISTED])
            if len(shown) > self.MAX_LISTED:
                listed += f" and {len(shown) - self.MAX_LISTED} more"
            first = found[0]
            project.report(
                self.rule_id,
                path,
                span,
                f"this import of `{layout.label(first[1][1])}` closes an import cycle between domains: {listed}; move "
                "what both need into a global module, merge the domains, or make one a sub-package of the other",
            )


def _strongly_connected(graph: dict) -> list[set]:
    """Tarjan's algorithm, iterative."""
    index: dict = {}
    low: dict = {}
    on_stack: set = set()
    stack: list = []
    out: list[set] = []
    counter = 0
    nodes = set(graph) | {t for targets in graph.values() for t in targets}
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(graph.get(root, ())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph.get(child, ()))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    item = stack.pop()
                    on_stack.discard(item)
                    component.add(item)
                    if item == node:
                        break
                out.append(component)
    return out


def _shortest_cycle(graph: dict, start, allowed: set) -> list | None:
    """The shortest path start -> ... -> start inside a strongly connected component (BFS)."""
    parent = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in graph.get(node, ()):
            if child not in allowed:
                continue
            if child == start:
                path = [node]
                while parent[path[-1]] is not None:
                    path.append(parent[path[-1]])
                return list(reversed(path))
            if child not in parent:
                parent[child] = node
                queue.append(child)
    return None
