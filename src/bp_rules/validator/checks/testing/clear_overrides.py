"""`testing-clear-overrides`: every fixture or test that sets `app.dependency_overrides[...]` removes it again
after `yield` or in a `finally`.

The file check records, per test file, where overrides are set and cleared (`summary.facts[rule_id]`); the
project check decides with every conftest.py in view, since a fixture there may clear what a test sets.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

import libcst as cst

from bp_rules.validator.analysis.override_events import XUNIT_TEARDOWNS, Events
from bp_rules.validator.analysis.testing import (
    fact_dicts,
    node_code,
    override_target,
    overrides_receiver,
    record_fact,
    span_of_fact,
)
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import dotted, keyword_arg, string_value
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register
from bp_rules.validator.summary import Function

FIXTURE_DECORATORS = frozenset({"pytest.fixture", "pytest_asyncio.fixture", "fixture"})


def _fixture(ctx: FileContext, node: cst.FunctionDef, scope) -> tuple[bool, bool]:
    """(is a pytest fixture, autouse)."""
    for decorator in node.decorators:
        expr = decorator.decorator
        func = expr.func if isinstance(expr, cst.Call) else expr
        if dotted(func) in FIXTURE_DECORATORS or ctx.qualify(func, scope) in FIXTURE_DECORATORS:
            autouse = keyword_arg(expr, "autouse") if isinstance(expr, cst.Call) else None
            return True, autouse is not None and node_code(autouse.value) == "True"
    return False, False


def _usefixtures(decorators) -> list[str]:
    names = []
    for decorator in decorators:
        expr = decorator.decorator
        if isinstance(expr, cst.Call) and (dotted(expr.func) or "").endswith("mark.usefixtures"):
            names += [s for s in (string_value(a.value) for a in expr.args) if s]
    return names


def _local_app(ctx: FileContext, receiver: cst.BaseExpression, scope) -> bool:
    """An app built by the test itself (`app = FastAPI()` in the function or the test module): nothing leaks."""
    if not isinstance(receiver, cst.Name):
        return False
    name = receiver.value
    if scope is None:
        return name in ctx.summary.assigned_calls
    params = scope.node.params
    if any(p.name.value == name for p in (*params.posonly_params, *params.params, *params.kwonly_params)):
        return False
    return name in scope.types


def _where(fn: Function | None, is_fixture: bool, path: str) -> str:
    if fn is None:
        return f"{PurePosixPath(path).name} at import time"
    if is_fixture:
        return f"fixture `{fn.name}`"
    return f"test `{fn.name}`" if fn.name.startswith("test") else f"function `{fn.name}`"


@register
class ClearOverridesFacts(FileCheck):
    rule_id = "testing-clear-overrides"
    node_types = (cst.Assign, cst.Call, cst.Del)

    def check(self, ctx: FileContext) -> None:
        scopes = {}
        for node, scope in ctx.nodes(cst.Assign):
            for target in node.targets:
                found = override_target(target.target)
                if found is None:
                    continue
                if scope is not None:
                    scopes[scope.info.qualname] = scope
                elif not _local_app(ctx, found[0], None):
                    self._leak(ctx, None, False, node, found[0], node_code(found[1]), "leak", [])
        for node, scope in ctx.nodes(cst.Call):
            func = node.func
            cleanup = isinstance(func, cst.Attribute) and func.attr.value in ("clear", "pop")
            if scope is not None and cleanup and overrides_receiver(func.value) is not None:
                scopes[scope.info.qualname] = scope
        for node, scope in ctx.nodes(cst.Del):
            if scope is not None and overrides_receiver(getattr(node.target, "value", None)) is not None:
                scopes[scope.info.qualname] = scope
        for scope in scopes.values():
            self._function(ctx, scope)

    def _function(self, ctx: FileContext, scope) -> None:
        fn, node = scope.info, scope.node
        events = Events()
        events.block(node.body, False)
        is_fixture, autouse = _fixture(ctx, node, scope.parent)
        if is_fixture and events.clears_all():
            record_fact(ctx, self.rule_id, {"kind": "clearer", "name": fn.name, "autouse": autouse, "cls": fn.in_class})
        if fn.name in XUNIT_TEARDOWNS and (events.cleanups or events.deferred):
            # `teardown_method` / `tearDown` runs after every test of its class or module, like an autouse fixture
            record_fact(ctx, self.rule_id, {"kind": "clearer", "name": fn.name, "autouse": True, "cls": fn.in_class})
        requests = [p.name for p in fn.params if p.name not in ("self", "cls")] + _usefixtures(node.decorators)
        if fn.in_class and fn.in_class in ctx.indexer.class_nodes:
            requests += _usefixtures(ctx.indexer.class_nodes[fn.in_class].decorators)
        for order, stmt, receiver, key in events.sets:
            status = events.status(order, key)
            if status != "clean" and not _local_app(ctx, receiver, scope):
                self._leak(ctx, fn, is_fixture, stmt, receiver, key, status, requests)

    def _leak(self, ctx, fn, is_fixture, stmt, receiver, key, status, requests) -> None:
        record_fact(
            ctx,
            self.rule_id,
            {
                "kind": "leak",
                "span": ctx.fact_span(stmt),
                "where": _where(fn, is_fixture, ctx.path),
                "cls": fn.in_class if fn is not None else None,
                "receiver": node_code(receiver),
                "key": key,
                "status": status,
                "requests": requests,
                "helper": fn is not None and not is_fixture and not fn.name.startswith("test"),
            },
        )


class _Fixtures:
    """pytest's fixture visibility: a test sees its class's, its module's, then conftest.py's up the tree."""

    def __init__(self, project: Project, rule_id: str):
        self.by_file: dict[str, dict[tuple[str | None, str], Function]] = {}
        self.clearers: set[tuple[str, str | None, str]] = set()  # (path, class, fixture name)
        self.autouse: list[tuple[str, str | None]] = []  # (path, class) of autouse clearers
        for path, summary in project.summaries.items():
            fixtures = {
                (fn.in_class, fn.name): fn
                for fn in summary.functions
                if not fn.nested and any(d in FIXTURE_DECORATORS for d in fn.decorators)
            }
            if fixtures:
                self.by_file[path] = fixtures
            for fact in fact_dicts(summary, rule_id):
                if fact.get("kind") == "clearer":
                    self.clearers.add((path, fact["cls"], fact["name"]))
                    if fact["autouse"]:
                        self.autouse.append((path, fact["cls"]))

    @staticmethod
    def _conftests(path: str) -> Iterator[str]:
        for folder in PurePosixPath(path).parents:
            yield "conftest.py" if str(folder) == "." else f"{folder}/conftest.py"

    def autouse_clears(self, path: str, cls: str | None) -> bool:
        for where, in_class in self.autouse:
            if where == path and in_class in (None, cls):
                return True
            if in_class is None and where in self._conftests(path):
                return True
        return False

    def any_clearer_visible(self, path: str) -> bool:
        conftests = set(self._conftests(path))
        return any(where == path or where in conftests for where, _, _ in self.clearers)

    def find(self, name: str, path: str, cls: str | None) -> tuple[str, Function] | None:
        own = self.by_file.get(path, {})
        for key in ((cls, name), (None, name)):
            if key in own:
                return path, own[key]
        for conftest in self._conftests(path):
            fn = self.by_file.get(conftest, {}).get((None, name))
            if fn is not None:
                return conftest, fn
        return None

    def requested_clearer(self, names: list[str], path: str, cls: str | None) -> bool:
        """Whether a requested fixture, or one it requests in turn, clears every override on teardown."""
        queue = [(n, path, cls) for n in names]
        seen: set[tuple[str, str]] = set()
        while queue and len(seen) < 200:
            name, where, in_class = queue.pop()
            found = self.find(name, where, in_class)
            if found is None or (found[0], found[1].qualname) in seen:
                continue
            seen.add((found[0], found[1].qualname))
            fixture_path, fixture = found
            if (fixture_path, fixture.in_class, fixture.name) in self.clearers:
                return True
            queue += [(p.name, fixture_path, fixture.in_class) for p in fixture.params if p.name not in ("self",)]
        return False


@register
class ClearOverrides(ProjectCheck):
    rule_id = "testing-clear-overrides"

    def check(self, project: Project) -> None:
        fixtures: _Fixtures | None = None
        for path, summary in sorted(project.summaries.items()):
            for fact in fact_dicts(summary, self.rule_id):
                if fact.get("kind") != "leak":
                    continue
                fixtures = fixtures or _Fixtures(project, self.rule_id)
                if fixtures.autouse_clears(path, fact["cls"]):
                    continue
                if fixtures.requested_clearer(fact["requests"], path, fact["cls"]):
                    continue
                if fact.get("helper") and fixtures.any_clearer_visible(path):
                    continue  # a helper the tests call: the clearing fixture they use is out of sight
                override = f"`{fact['receiver']}.dependency_overrides[{fact['key']}]`"
                if fact["key"] == "*":
                    override = f"`{fact['receiver']}.dependency_overrides.update(...)`"
                key = fact["key"] if fact["key"] != "*" else "dep"
                if fact["status"] == "late":
                    message = (
                        f"{override} set in {fact['where']} is removed only at its end, which a failing assertion "
                        "skips; remove it in a `finally` or after the fixture's `yield`"
                    )
                else:
                    message = (
                        f"{override} set in {fact['where']} is never removed, so it leaks into later tests; remove "
                        f"it after `yield` or in a `finally` (`.pop({key}, None)` or `.clear()`)"
                    )
                project.report(self.rule_id, path, span_of_fact(fact), message)
