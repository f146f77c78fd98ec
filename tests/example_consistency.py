"""The files of one example agree with each other: what a file imports from another file of the same example
is defined there, and the settings it reads (`settings.DATABASE_URL`) are fields of that settings class."""

from __future__ import annotations

import ast
from pathlib import PurePosixPath

from bp_rules.schema.models import Example


def module_name(path: str) -> str:
    parts = list(PurePosixPath(path).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _bound_names(tree: ast.Module) -> tuple[set[str], bool]:
    """Names a module binds at top level, and whether a star import makes that set open-ended."""
    names: set[str] = set()
    star = False
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Import):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            star = star or any(a.name == "*" for a in node.names)
            names.update(a.asname or a.name for a in node.names)
        elif isinstance(node, ast.If | ast.Try):
            inner, inner_star = _bound_names(ast.Module(body=list(ast.iter_child_nodes(node)), type_ignores=[]))
            names |= inner
            star = star or inner_star
    return names, star


def _instances(tree: ast.Module) -> dict[str, set[str]]:
    """`settings = Config()` at top level, with `Config` defined in the module: instance -> class attributes."""
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    out: dict[str, set[str]] = {}
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and node.value.func.id in classes
        ):
            attrs = _class_attributes(classes[node.value.func.id], classes)
            out.update({t.id: attrs for t in node.targets if isinstance(t, ast.Name)})
    return out


def _class_attributes(cls: ast.ClassDef, classes: dict[str, ast.ClassDef], depth: int = 0) -> set[str]:
    attrs: set[str] = set()
    for node in cls.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            attrs.add(node.target.id)
        elif isinstance(node, ast.Assign):
            attrs.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            attrs.add(node.name)
    for base in cls.bases:
        if isinstance(base, ast.Name) and base.id in classes and depth < 8:
            attrs |= _class_attributes(classes[base.id], classes, depth + 1)
    return attrs


def problems(example: Example) -> list[str]:
    files = {f.path: f.code for f in example.as_files() if f.path.endswith(".py")}
    trees = {module_name(path): ast.parse(code) for path, code in files.items()}
    packages = {".".join(m.split(".")[:i]) for m in trees for i in range(1, m.count(".") + 1)}
    out: list[str] = []
    for module, tree in trees.items():
        # local name -> (the example's module it came from, the name there)
        imported: dict[str, tuple[str, str]] = {}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module):
                continue
            for alias in node.names:
                if alias.name == "*":
                    continue
                local = alias.asname or alias.name
                submodule = f"{node.module}.{alias.name}"
                if submodule in trees or submodule in packages:
                    imported[local] = (submodule, "")
                elif node.module in trees and node.module not in packages:  # a package may hold omitted files
                    defined, star = _bound_names(trees[node.module])
                    if alias.name not in defined and not star:
                        out.append(f"{module} imports {alias.name} from {node.module}, which does not define it")
                    imported[local] = (node.module, alias.name)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
                continue
            source = imported.get(node.value.id)
            if source is None:
                continue
            source_module, name = source
            if not name and source_module in trees:  # `service.create_post` on a module of the example
                defined, star = _bound_names(trees[source_module])
                if node.attr not in defined and not star:
                    out.append(f"{module} uses {node.value.id}.{node.attr}, which {source_module} does not define")
            elif name and node.attr.isupper():  # `settings.DATABASE_URL` on a settings instance of the example
                fields = _instances(trees[source_module]).get(name)
                if fields is not None and node.attr not in fields:
                    out.append(f"{module} reads {node.value.id}.{node.attr}, which {source_module}.{name} lacks")
    return sorted(set(out))
