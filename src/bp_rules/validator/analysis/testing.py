"""Test code as the testing checks read it: test clients, patches and overrides of the app's dependencies,
facts recorded per test file, and which targets a test replaces."""

from __future__ import annotations

from pathlib import PurePosixPath

import libcst as cst

from bp_rules.validator.context import FileContext, placement
from bp_rules.validator.indexer import dotted, keyword_arg, positional, string_value
from bp_rules.validator.project import Project
from bp_rules.validator.summary import FileSummary, Function

TEST_CLIENTS = frozenset({"fastapi.testclient.TestClient", "starlette.testclient.TestClient"})


HTTP_CLIENTS = TEST_CLIENTS | {"httpx.AsyncClient", "httpx.Client"}


HTTP_CLIENT_PARAMS = frozenset({"client", "async_client", "test_client", "api_client", "http_client"})


SETATTR = frozenset({"pytest.MonkeyPatch.setattr", "_pytest.monkeypatch.MonkeyPatch.setattr", "monkeypatch.setattr"})


PATCH = frozenset(
    {"unittest.mock.patch", "mock.patch", "mocker.patch", "pytest_mock.MockerFixture.patch",
     "pytest_mock.MockFixture.patch"}
)  # fmt: skip


PATCH_OBJECT = frozenset(f"{p}.object" for p in PATCH)


# what a test may patch through any module: time, ids, randomness, environment, settings, logging
ALLOWED_MODULES = ("time", "datetime", "uuid", "random", "secrets", "os", "logging", "zoneinfo")


def node_code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def record_fact(ctx: FileContext, rule_id: str, fact: dict) -> None:
    ctx.summary.facts.setdefault(rule_id, []).append(fact)


def fact_dicts(summary: FileSummary, rule_id: str) -> list[dict]:
    return [f for f in summary.facts.get(rule_id, []) if isinstance(f, dict)]


def span_of_fact(fact: dict):
    return tuple(fact["span"])


def name_of(qualified: str) -> str:
    return qualified.rsplit(".", 1)[-1]


def overrides_receiver(node: cst.BaseExpression | None) -> cst.BaseExpression | None:
    """`X` when the node is `X.dependency_overrides`."""
    if isinstance(node, cst.Attribute) and node.attr.value == "dependency_overrides":
        return node.value
    return None


def override_target(target: cst.BaseExpression) -> tuple[cst.BaseExpression, cst.BaseExpression] | None:
    """(receiver, key) when the target is `X.dependency_overrides[key]`."""
    if not isinstance(target, cst.Subscript) or len(target.slice) != 1:
        return None
    receiver = overrides_receiver(target.value)
    index = target.slice[0].slice
    if receiver is None or not isinstance(index, cst.Index):
        return None
    return receiver, index.value


def _patch_target(ctx: FileContext, node: cst.Call, scope) -> str | None:
    """The dotted name a `monkeypatch.setattr`, `patch(...)` or `patch.object(...)` call replaces."""
    func = node.func
    raw = dotted(func) or ""
    if not raw.endswith(("setattr", "patch", ".object")):
        return None
    qualified = ctx.qualify(func, scope) or raw  # an unannotated `monkeypatch`/`mocker` fixture stays as written
    if qualified in SETATTR:
        first, second = positional(node, 0), positional(node, 1)
        if first is None:
            return None
        text = string_value(first.value)
        if text is not None:
            return text if "." in text else None  # `monkeypatch.setattr("pkg.module.attr", value)`
        attribute = string_value(second.value) if second is not None else None
        owner = ctx.qualify(first.value, scope)
        return f"{owner}.{attribute}" if owner and attribute else None
    if qualified in PATCH:
        arg = keyword_arg(node, "target") or positional(node, 0)
        return string_value(arg.value) if arg is not None else None
    if qualified in PATCH_OBJECT:
        first = positional(node, 0)
        second = keyword_arg(node, "attribute") or positional(node, 1)
        attribute = string_value(second.value) if second is not None else None
        owner = ctx.qualify(first.value, scope) if first is not None else ""
        return f"{owner}.{attribute}" if owner and attribute else None
    return None


def record_patches(ctx: FileContext, rule_id: str) -> None:
    for node, scope in ctx.nodes(cst.Call):
        target = _patch_target(ctx, node, scope)
        if target:
            fn = scope.info if scope is not None else None
            record_fact(
                ctx,
                rule_id,
                {"kind": "patch", "span": ctx.fact_span(node), "target": target, "scope": fn.qualname if fn else ""},
            )


def is_test_file(project: Project, path: str) -> bool:
    return placement(path, project.config).in_tests or PurePosixPath(path).name == "conftest.py"


def _uses_http_client(fn: Function) -> bool:
    return any(p.name in HTTP_CLIENT_PARAMS or p.annotation in HTTP_CLIENTS for p in fn.params) or any(
        c.name in HTTP_CLIENTS for c in fn.calls
    )


def goes_through_app(summary: FileSummary, scope: str) -> bool:
    """Whether the patching code tests through the HTTP client: its test function takes or builds one, or
    (for fixtures, helpers and decorators) its file does; tests under an `integration` folder always do."""
    if "integration" in PurePosixPath(summary.path).parts:
        return True
    fn = next((f for f in summary.functions if f.qualname == scope), None)
    if fn is not None and fn.name.startswith("test"):
        return _uses_http_client(fn)
    return any(_uses_http_client(f) for f in summary.functions) or any(
        c.name in HTTP_CLIENTS for c in summary.module_calls
    )


def _role_stems(project: Project, role: str) -> set[str]:
    return {name.removesuffix(".py") for name in project.config.role_files.get(role, ())}


def app_roots(project: Project) -> set[str]:
    roots = project.config.first_party()
    for path, summary in project.summaries.items():
        if not is_test_file(project, path) and "." in summary.module:
            roots.add(summary.module.split(".", 1)[0])
    return roots


class Target:
    """A patch target followed through the project's modules and their imports.

    `src.auth.dependencies.jwt.decode` gives final `jwt.decode`, through [`src.auth.dependencies`]. A module
    the project does not contain is split at the first segment named like a role file (`dependencies`).
    """

    def __init__(self, project: Project, target: str, roots: set[str]):
        self.project = project
        self.roots = roots
        self.target = target
        self.final = target
        self.through: list[tuple[str, str | None, list[str]]] = []  # (module, its role, the rest of the name)
        name = target
        for _ in range(5):
            parts = name.split(".")
            summary = None
            for i in range(len(parts) - 1, 0, -1):
                summary = project.module_of.get(".".join(parts[:i]))
                if summary is not None:
                    break
            if summary is None:
                self.final = name
                self._unknown(parts)
                return
            rest = parts[i:]
            role = project.config.role_of(PurePosixPath(summary.path).name)
            self.through.append((summary.module, role, rest))
            head = rest[0]
            binding = next(
                (imp.module for imp in summary.imports if imp.local == head and not imp.in_function and not imp.star),
                None,
            )
            if binding is None:
                instance = summary.assigned_calls.get(head)
                self.final = ".".join([summary.module, *rest])
                if instance and len(rest) > 1 and project.canonical(instance) in project.classes:
                    self.final = ".".join([project.canonical(instance), *rest[1:]])  # `x_service.create`
                return
            name = ".".join([binding, *rest[1:]])
        self.final = name

    def _unknown(self, parts: list[str]) -> None:
        if not self.through and parts[0] in self.roots:
            for role in ("dependencies", "service", "config"):
                stems = _role_stems(self.project, role)
                for k in range(1, len(parts) - 1):
                    if parts[k] in stems:
                        self.through.append((".".join(parts[: k + 1]), role, parts[k + 1 :]))
                        return

    def via(self, role: str) -> tuple[str, list[str]] | None:
        """The first module of a role the target went through, with the rest of the name after it."""
        for module, found, rest in self.through:
            if found == role:
                return module, rest
        return None

    def allowed(self, rest: list[str]) -> bool:
        """Time, ids, randomness, environment, settings and logging may be patched through any module."""
        head = rest[0].lower() if rest else ""
        if head in ALLOWED_MODULES or "settings" in head or "config" in head or head in ("logger", "log"):
            return True
        if self.final.split(".", 1)[0] in ALLOWED_MODULES:
            return True
        return any(role == "config" for _, role, _ in self.through)

    def function(self) -> Function | None:
        found = self.project.function(self.final)
        return found[0] if found else None
