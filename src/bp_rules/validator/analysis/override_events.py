"""Where a test module sets and clears `app.dependency_overrides`: the events of each function, fixture and
teardown, for `testing-clear-overrides`."""

from __future__ import annotations

import libcst as cst

from bp_rules.validator.analysis.testing import node_code, override_target, overrides_receiver
from bp_rules.validator.indexer import positional

XUNIT_TEARDOWNS = frozenset(
    {"teardown_method", "teardown_function", "teardown_class", "teardown_module", "tearDown", "asyncTearDown",
     "tearDownClass", "teardown"}
)  # fmt: skip


def _cleanup_call(node: cst.BaseExpression | None) -> str | None:
    """`"*"` for `X.dependency_overrides.clear()`, the key's code for `.pop(key, ...)`, else None."""
    if isinstance(node, cst.Await):
        node = node.expression
    if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
        return None
    if overrides_receiver(node.func.value) is None:
        return None
    method = node.func.attr.value
    if method == "clear":
        return "*"
    if method == "pop":
        key = positional(node, 0)
        return node_code(key.value) if key is not None else None
    return None


def _deferred_cleanup(node: cst.Call) -> str | None:
    """A cleanup handed to a finalizer: `request.addfinalizer(app.dependency_overrides.clear)`, a lambda."""
    for arg in node.args:
        value = arg.value
        if isinstance(value, cst.Lambda):
            found = _cleanup_call(value.body)
            if found:
                return found
        cleanup = isinstance(value, cst.Attribute) and value.attr.value in ("clear", "pop")
        if cleanup and overrides_receiver(value.value) is not None:
            return "*"
    return None


class Events:
    """Overrides set and removed in one function, in execution order (statements only, no expression walk)."""

    def __init__(self):
        self.after_yield = False
        self.sets: list[tuple[int, cst.CSTNode, cst.BaseExpression, str]] = []  # (order, stmt, receiver, key)
        self.cleanups: list[tuple[int, str, bool]] = []  # (order, key or "*", after yield or in a finally)
        self.deferred: set[str] = set()  # keys (or "*") removed by a finalizer or a nested function
        self.order = 0

    def block(self, block: cst.BaseSuite | None, in_finally: bool) -> None:
        if isinstance(block, cst.SimpleStatementSuite):
            for small in block.body:
                self.small(small, in_finally)
            return
        if not isinstance(block, cst.IndentedBlock):
            return
        for stmt in block.body:
            self.statement(stmt, in_finally)

    def statement(self, stmt: cst.BaseStatement, in_finally: bool) -> None:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                self.small(small, in_finally)
        elif isinstance(stmt, (cst.Try, cst.TryStar)):
            self.block(stmt.body, in_finally)
            for handler in stmt.handlers:
                self.block(handler.body, in_finally)
            if stmt.orelse is not None:
                self.block(stmt.orelse.body, in_finally)
            if stmt.finalbody is not None:
                self.block(stmt.finalbody.body, True)
        elif isinstance(stmt, cst.If):
            self.block(stmt.body, in_finally)
            orelse = stmt.orelse
            if isinstance(orelse, cst.If):
                self.statement(orelse, in_finally)
            elif orelse is not None:
                self.block(orelse.body, in_finally)
        elif isinstance(stmt, (cst.For, cst.While)):
            self.block(stmt.body, in_finally)
            if stmt.orelse is not None:
                self.block(stmt.orelse.body, in_finally)
        elif isinstance(stmt, cst.With):
            self.block(stmt.body, in_finally)
        elif isinstance(stmt, cst.Match):
            for case in stmt.cases:
                self.block(case.body, in_finally)
        elif isinstance(stmt, cst.FunctionDef):
            inner = Events()
            inner.block(stmt.body, False)
            self.deferred.update(key for _, key, _ in inner.cleanups)  # a finalizer defined here

    def small(self, small: cst.BaseSmallStatement, in_finally: bool) -> None:
        self.order += 1
        proper = self.after_yield or in_finally
        if isinstance(small, cst.Expr):
            value = small.value.expression if isinstance(small.value, cst.Await) else small.value
            if isinstance(value, cst.Yield):
                self.after_yield = True
                return
            key = _cleanup_call(value)
            if key is not None:
                self.cleanups.append((self.order, key, proper))
            elif isinstance(value, cst.Call):
                func = value.func
                if isinstance(func, cst.Attribute) and func.attr.value in ("update", "setdefault"):
                    receiver = overrides_receiver(func.value)
                    if receiver is not None:
                        self.sets.append((self.order, small, receiver, "*"))
                        return
                deferred = _deferred_cleanup(value)
                if deferred:
                    self.deferred.add(deferred)
        elif isinstance(small, (cst.Assign, cst.AnnAssign)):
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
            for target in targets:
                found = override_target(target)
                if found is not None:
                    self.sets.append((self.order, small, found[0], node_code(found[1])))
                elif overrides_receiver(target) is not None:  # `app.dependency_overrides = {}`
                    self.cleanups.append((self.order, "*", proper))
            if isinstance(small.value, cst.Yield):
                self.after_yield = True
        elif isinstance(small, cst.Del):
            targets = small.target.elements if isinstance(small.target, cst.Tuple) else [small.target]
            for element in targets:
                target = element.value if isinstance(element, cst.Element) else element
                found = override_target(target)
                if found is not None:
                    self.cleanups.append((self.order, node_code(found[1]), proper))

    def status(self, order: int, key: str) -> str:
        """`clean`, `late` (removed only at the end, which a failure skips) or `leak`."""
        if "*" in self.deferred or key in self.deferred:
            return "clean"
        late = False
        for when, removed, proper in self.cleanups:
            if when > order and removed in ("*", key):
                if proper:
                    return "clean"
                late = True
        return "late" if late else "leak"

    def clears_all(self) -> bool:
        return "*" in self.deferred or any(key == "*" and proper for _, key, proper in self.cleanups)
