"""`migrations-static-structure`: a migration spells out every table, column and index it touches as literals;
only the data it moves may be computed at run time."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import libcst as cst

from bp_rules.validator.analysis.migration_files import module_function
from bp_rules.validator.analysis.statements import assigned_name
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import children
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register

ALEMBIC_OP = "alembic.op."
BATCH = "alembic.op.batch_alter_table()."
# `op.*` calls that do not change the structure (data steps, helpers)
NOT_DDL = frozenset(
    {
        "execute", "get_bind", "get_context", "bulk_insert", "inline_literal", "f", "batch_alter_table",
        "run_async", "invoke", "implementation_for", "register_operation", "migration_context",
    }
)  # fmt: skip
STABLE_MODULES = frozenset({"constants", "enums", "enum"})
SETTINGS_NAMES = frozenset({"settings", "config", "conf"})
ENV_CALLS = frozenset({"os.getenv", "os.environ.get", "os.getenvb"})


def first_party(ctx: FileContext, top: str) -> bool:
    """Whether `top` is the project's own package: a configured source root (`src`, `app`), or found on disk."""
    roots = ctx.config.first_party()
    return top in roots or _on_disk(str(ctx.config.root.resolve()), top)


@cache
def _on_disk(root: str, top: str) -> bool:
    """Whether `top` is a package or module of the project (looked up on disk, relative to the project root)."""
    base = Path(root)
    for folder in ("", "src", "app", "server"):
        here = base / folder if folder else base
        if (here / top / "__init__.py").is_file() or (here / f"{top}.py").is_file():
            return True
        if folder and folder == top and here.is_dir():
            return True
    return False


def _settings_name(local: str) -> bool:
    return local in SETTINGS_NAMES or local.endswith("_settings")


def _static(node: cst.BaseExpression | None, constants: dict[str, cst.BaseExpression], depth: int = 0) -> bool:
    """An iterable whose items are written in the file: literals, module constants holding them, and
    `enumerate`/`zip`/`sorted`/`reversed`/`range`/`.items()` over those."""
    if node is None or depth > 4:
        return False
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float)):
        return True
    if isinstance(node, cst.Name):
        if node.value in ("None", "True", "False"):
            return True
        value = constants.get(node.value)
        return value is not None and _static(value, constants, depth + 1)
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        return all(_static(el.value, constants, depth + 1) for el in node.elements)
    if isinstance(node, cst.Dict):
        return all(isinstance(el, cst.DictElement) and _static(el.key, constants, depth + 1) for el in node.elements)
    if isinstance(node, cst.Call):
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("items", "keys", "values") and not node.args:
            return _static(func.value, constants, depth + 1)
        if isinstance(func, cst.Name) and func.value in ("enumerate", "zip", "sorted", "reversed", "range"):
            return all(_static(a.value, constants, depth + 1) for a in node.args if a.keyword is None)
    return False


def _descendants(node: cst.CSTNode):
    """The nodes below `node` in source order, not entering nested functions, classes or lambdas."""
    stack = list(reversed(list(children(node))))
    while stack:
        current = stack.pop()
        yield current
        if not isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            stack.extend(reversed(list(children(current))))


@register
class StaticStructure(FileCheck):
    rule_id = "migrations-static-structure"
    node_types = (cst.For, cst.Call, cst.Assign)

    def check(self, ctx: FileContext) -> None:
        if module_function(ctx, "upgrade") is None:
            return
        settings_names: set[str] = set()
        imported: dict[str, list] = {}  # module imported from -> [names imported, first import, settings?]
        for imp in ctx.summary.imports:
            if imp.level or not imp.module:
                continue
            parts = imp.module.split(".")
            if not first_party(ctx, parts[0]):
                continue
            source = imp.module.rpartition(".")[0] if imp.from_import else imp.module
            settings = bool(SETTINGS_NAMES.intersection(source.split("."))) or _settings_name(imp.local)
            if settings:
                settings_names.add(imp.local)
            constant = imp.from_import and imp.local.isupper() and not settings
            if STABLE_MODULES.intersection(parts) or constant:
                continue  # constants and enums imported on purpose
            entry = imported.setdefault(source or imp.module, [[], imp, True])  # one finding per module
            entry[0].append(imp.module)
            entry[2] = entry[2] and settings
        constants = {}
        for stmt in ctx.tree.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    pair = assigned_name(small)
                    if pair is not None and pair[1] is not None:
                        constants[pair[0].value] = pair[1]
        self._loops(ctx, constants)
        settings_in_ddl = self._runtime_values(ctx, settings_names)
        for source, (names, imp, settings) in imported.items():
            if settings and not settings_in_ddl:
                continue  # settings read by a data step only (a key to re-encrypt rows with): data may be dynamic
            # phase 2 reports it unless the project's `script.py.mako` puts this import in every revision
            node = next(n for target, _, n in ctx.indexer.span_targets if target is imp)
            ctx.summary.facts.setdefault(self.rule_id, []).append([source, names, ctx.fact_span(node)])

    @staticmethod
    def _ddl(ctx: FileContext, node: cst.CSTNode, scope) -> bool:
        if not isinstance(node, cst.Call):
            return False
        name = ctx.qualify(node.func, scope)
        if not (name.startswith(ALEMBIC_OP) or name.startswith(BATCH)):
            return False
        return name.rpartition(".")[2] not in NOT_DDL

    def _loops(self, ctx: FileContext, constants) -> None:
        for node, scope in ctx.nodes(cst.For):
            if _static(node.iter, constants):
                continue
            ddl = next((sub for sub in _descendants(node.body) if self._ddl(ctx, sub, scope)), None)
            if ddl is not None:
                ctx.report(
                    self.rule_id,
                    ddl,
                    "schema changes run in a loop over values computed at run time, so each database gets a "
                    "different structure; write each `op.*` call out (a loop over a literal tuple is fine)",
                )

    def _runtime_values(self, ctx: FileContext, settings_names: set[str]) -> bool:
        """Report schema changes that take a value read at run time; whether one read the app's settings."""
        tainted: set[str] = set()
        for node, scope in ctx.nodes(cst.Assign):
            if scope is None or len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Name):
                continue
            if self._runtime(ctx, node.value, scope, settings_names, tainted) is not None:
                tainted.add(node.targets[0].target.value)
        settings_used = False
        for node, scope in ctx.nodes(cst.Call):
            if not self._ddl(ctx, node, scope):
                continue
            for arg in node.args:
                found = self._runtime(ctx, arg.value, scope, settings_names, tainted)
                if found is not None:
                    settings_used = settings_used or self._reads(found, settings_names | tainted)
                    ctx.report(
                        self.rule_id,
                        found,
                        "a schema change takes a value from the environment or the app's settings, so databases "
                        "built from the same revision differ; write the value into the migration",
                    )
                    break
        return settings_used

    @staticmethod
    def _reads(node: cst.CSTNode, names: set[str]) -> bool:
        return any(isinstance(sub, cst.Name) and sub.value in names for sub in (node, *_descendants(node)))

    @staticmethod
    def _runtime(ctx: FileContext, value, scope, settings_names: set[str], tainted: set[str]):
        """The part of `value` read at run time (an environment variable, a setting, a variable holding one)."""
        for sub in (value, *_descendants(value)):
            if isinstance(sub, cst.Subscript) and ctx.qualify(sub.value, scope) == "os.environ":
                return sub
            if isinstance(sub, cst.Call) and ctx.qualify(sub.func, scope) in ENV_CALLS:
                return sub
            if isinstance(sub, cst.Attribute) and isinstance(sub.value, cst.Name) and sub.value.value in settings_names:
                return sub
            if isinstance(sub, cst.Name) and sub.value in settings_names:
                return sub  # a value imported from the settings module (`DATABASE_SCHEMA`)
            if isinstance(sub, cst.Name) and sub.value in tainted:
                return sub
        return None


TEMPLATE_IMPORT = re.compile(r"^(?:import\s+([\w.]+)|from\s+([\w.]+)\s+import\s+([\w\s,]+))\s*(?:#.*)?$")


def template_imports(text: str) -> frozenset[str]:
    """Modules a `script.py.mako` imports into every revision it renders (`import a.b`, `from a import b`)."""
    out: set[str] = set()
    for line in text.splitlines():
        match = TEMPLATE_IMPORT.match(line.strip())
        if match is None:
            continue
        if match.group(1):
            out.add(match.group(1))
        else:
            out.add(match.group(2))
            out.update(f"{match.group(2)}.{name.strip()}" for name in match.group(3).split(",") if name.strip())
    return frozenset(out)


@register
class StaticStructureImports(ProjectCheck):
    """Imports of application code recorded in phase 1, minus those the project's revision template adds."""

    rule_id = "migrations-static-structure"

    def check(self, project: Project) -> None:
        templates = {
            path.rpartition("/")[0]: _with_reexports(template_imports(text), project)
            for path, text in project.project_files.items()
            if path.rsplit("/", 1)[-1] == "script.py.mako"
        }
        for path, summary in sorted(project.summaries.items()):
            facts = summary.facts.get(self.rule_id)
            if not facts:
                continue
            script_dir = path.rpartition("/")[0].rpartition("/")[0]  # <script dir>/versions/<file>.py
            template = templates.get(script_dir)
            if template is None and len(templates) == 1:
                template = next(iter(templates.values()))
            for source, names, span in facts:
                if template and (
                    _spelled(project, source) in template or all(_spelled(project, n) in template for n in names)
                ):
                    continue
                project.report(
                    self.rule_id,
                    path,
                    tuple(span),
                    f"the migration imports application code from `{source}`, so it changes or fails to import "
                    "when that code changes; write what it needs into the migration (literal `op.*` calls, "
                    "`sa.table(...)` for data steps)",
                )


def _with_reexports(imported: frozenset[str], project: Project) -> frozenset[str]:
    """What a template's imports bring into every revision: the modules and names it imports, and what a
    project module among them imports in turn (`mealie.db.migration_types` re-exporting `GUID` from
    `mealie.db.models._model_utils.guid`: a revision importing that module or name uses the same type)."""
    out = {_spelled(project, name) for name in imported}
    for name in imported:
        summary = project.module_of.get(name)
        if summary is None:
            continue
        for imp in summary.imports:
            if imp.level or imp.in_function:
                continue
            out.add(_spelled(project, imp.module))
            if imp.from_import:
                out.add(_spelled(project, imp.module.rpartition(".")[0]))
    return frozenset(out)


def _spelled(project: Project, name: str) -> str:
    """A module or name in the project's own spelling (`src.db_types.guid` and `db_types.guid` are one)."""
    return project.prefixes.get(name) or project.canonical(name)
