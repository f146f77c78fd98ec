"""Phase 1's single pass over a libcst tree: resolve names and build the file's summary.

libcst's metadata providers cost several times the parse on real trees, so this walker resolves imports,
aliases and local scopes itself, in one traversal that skips whitespace and punctuation nodes. Names are
resolved when the module has been read, so helpers defined below their callers resolve too.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from bp_rules.validator import names as N
from bp_rules.validator.routers import BUILTIN_ROUTERS
from bp_rules.validator.summary import (
    Call,
    ClassInfo,
    FileSummary,
    Function,
    Import,
    Param,
    Route,
)

_SKIP_FIELDS = frozenset(
    {
        "lpar", "rpar", "comma", "semicolon", "newline", "leading_lines", "header", "footer", "lbracket",
        "rbracket", "lbrace", "rbrace", "star", "dot", "colon", "equal", "operator", "indent", "encoding",
        "default_indent", "default_newline", "has_trailing_newline", "asynchronous", "lines_after_decorators",
    }
)  # fmt: skip
_FIELDS: dict[type, tuple[str, ...]] = {}


def child_fields(node_type: type) -> tuple[str, ...]:
    fields = _FIELDS.get(node_type)
    if fields is None:
        fields = _FIELDS[node_type] = (
            tuple(
                f.name
                for f in dataclasses.fields(node_type)
                if f.name not in _SKIP_FIELDS and not f.name.startswith("whitespace")
            )
            if dataclasses.is_dataclass(node_type)
            else ()
        )
    return fields


# Field values that are not nodes. Testing for these by exact type avoids `isinstance(x, cst.CSTNode)`,
# an abstract-class check that costs more than the rest of the walk together.
_LEAVES = frozenset({str, bool, int, float, type(None), cst.MaybeSentinel})


def children(node: cst.CSTNode) -> Iterable[cst.CSTNode]:
    for name in child_fields(type(node)):
        value = getattr(node, name)
        kind = type(value)
        if kind in _LEAVES:
            continue
        if kind is tuple or kind is list:
            for item in value:
                if type(item) not in _LEAVES:
                    yield item
        else:
            yield value


def dotted(node: cst.BaseExpression | None) -> str | None:
    """The syntactic dotted name of an expression: `a.b.c`, or `a.B().c` through a call; None otherwise."""
    parts: list[str] = []
    while True:
        if isinstance(node, cst.Name):
            parts.append(node.value)
            return ".".join(reversed(parts))
        if isinstance(node, cst.Attribute):
            parts.append(node.attr.value)
            node = node.value
        elif isinstance(node, cst.Call):
            inner = dotted(node.func)
            if inner is None:
                return None
            parts.append(inner + "()")
            return ".".join(reversed(parts))
        else:
            return None


def string_value(node: cst.BaseExpression | None) -> str | None:
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def call_keywords(node: cst.Call) -> tuple[str, ...]:
    return tuple(a.keyword.value for a in node.args if a.keyword is not None)


def keyword_arg(node: cst.Call, name: str) -> cst.Arg | None:
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def positional(node: cst.Call, index: int) -> cst.Arg | None:
    args = [a for a in node.args if a.keyword is None and not a.star]
    return args[index] if index < len(args) else None


@dataclass
class _Scope:
    """A function being read: its locals shadow module names; local types follow simple assignments."""

    info: Function
    node: cst.FunctionDef
    parent: _Scope | None
    locals: set[str] = field(default_factory=set)
    params: dict[str, str] = field(default_factory=dict)  # parameter -> raw annotation (outer scope)
    types: dict[str, str] = field(default_factory=dict)  # local -> raw `ctor()` it was assigned from
    # attribute paths assigned in the function (`request.state.db = SessionLocal()`) -> raw `ctor()`
    attr_types: dict[str, str] = field(default_factory=dict)
    elements: dict[str, str] = field(default_factory=dict)  # `items: list[T]` -> raw `T`, for `for x in items`
    imports: dict[str, str] = field(default_factory=dict)  # function-level import -> qualified name


@dataclass
class _RawCall:
    call: Call
    raw: str | None
    scope: _Scope | None
    refs: list[str]
    node: cst.Call


class Indexer:
    """Builds a `FileSummary` and the node tables phase-1 checks read."""

    def __init__(
        self, path: str, module: str, wanted: Iterable[type] = (), router_types: frozenset[str] = BUILTIN_ROUTERS
    ):
        self.router_types = router_types  # bare names whose calls make routers, from the project-wide pre-pass
        self.summary = FileSummary(path=path, module=module)
        self.module = module
        self.package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
        self.bindings: dict[str, str] = {}  # module-level name -> raw qualified target
        self.wanted = frozenset(wanted)
        self.nodes: dict[type, list[tuple[cst.CSTNode, _Scope | None]]] = defaultdict(list)
        self.raw_calls: list[_RawCall] = []
        self.function_nodes: dict[str, cst.FunctionDef] = {}
        self.class_nodes: dict[str, cst.ClassDef] = {}
        self.call_nodes: dict[int, cst.Call] = {}  # id(Call summary) -> node
        self.span_targets: list[tuple[Any, str, cst.CSTNode]] = []
        self._pending_params: list[tuple[Param, cst.Param, _Scope | None]] = []
        self._pending_routes: list[tuple[Route, str, cst.Call, Function | None]] = []
        self._pending_called_routes: list[tuple[Route, str]] = []
        self._pending_aliases: list[tuple[str, cst.BaseExpression]] = []
        self._pending_assigns: list[tuple[str, str]] = []
        self._pending_bases: list[tuple[ClassInfo, list[str]]] = []
        self._pending_deps: list[tuple[Function, list[str]]] = []
        self._pending_returns: list[tuple[Function, cst.BaseExpression, _Scope | None]] = []
        self._class_stack: list[str] = []

    # --- public ---------------------------------------------------------------------------------------

    def run(self, tree: cst.Module) -> FileSummary:
        for stmt in tree.body:
            self._walk(stmt, None, awaited=False, nested=False)
        self._resolve_all()
        return self.summary

    def qualify(self, raw: str | None, scope: _Scope | None = None, _depth: int = 0) -> str:
        """The qualified name of a raw dotted name, seen from `scope` (a function) or the module."""
        if not raw or _depth > 8:
            return ""
        s = scope
        while s is not None and "." in raw:
            for path, value in s.attr_types.items():
                if raw.startswith(path) and raw[len(path) : len(path) + 1] in ("", ".", "("):
                    base = self.qualify(value, s, _depth + 1)
                    return f"{base}{raw[len(path) :]}" if base else ""
            s = s.parent
        head, sep, rest = raw.partition(".")
        call_suffix = ""
        if head.endswith("()"):
            head, call_suffix = head[:-2], "()"
        s = scope
        while s is not None:
            if head in s.imports:
                return f"{s.imports[head]}{call_suffix}{sep}{rest}"
            if head in s.params:
                base = self.qualify(s.params[head], s.parent, _depth + 1)
                return f"{base}{call_suffix}{sep}{rest}" if base else ""
            if head in s.types:
                base = self.qualify(s.types[head], s, _depth + 1)
                return f"{base}{call_suffix}{sep}{rest}" if base else ""
            if head in s.locals:
                return ""
            s = s.parent
        target = self.bindings.get(head)
        if target is not None:
            return f"{target}{call_suffix}{sep}{rest}"
        if head in N.BUILTINS:
            return f"builtins.{head}{call_suffix}{sep}{rest}"
        return ""

    def qualify_expr(self, node: cst.BaseExpression | None, scope: _Scope | None = None) -> str:
        return self.qualify(dotted(node), scope)

    # --- walking --------------------------------------------------------------------------------------

    def _note(self, node: cst.CSTNode, scope: _Scope | None) -> None:
        if type(node) in self.wanted:
            self.nodes[type(node)].append((node, scope))

    def _walk(self, node: cst.CSTNode, scope: _Scope | None, *, awaited: bool, nested: bool) -> None:
        self._note(node, scope)
        kind = type(node)
        if kind is cst.Call:
            self._call(node, scope, awaited=awaited, nested=nested)
            return
        if kind is cst.FunctionDef:
            self._function(node, scope)
            return
        if kind is cst.ClassDef:
            self._class(node, scope)
            return
        if kind is cst.Await:
            if scope is not None and not nested:
                scope.info.awaits += 1
            self._walk(node.expression, scope, awaited=True, nested=nested)
            return
        if kind is cst.Lambda:
            self._walk(node.body, scope, awaited=False, nested=True)
            return
        if kind is cst.Import or kind is cst.ImportFrom:
            self._import(node, scope)
            return
        if kind is cst.Assign or kind is cst.AnnAssign:
            self._assign(node, scope)
        elif kind is cst.For or kind is cst.With:
            if node.asynchronous is not None and scope is not None and not nested:
                scope.info.awaits += 1
            if kind is cst.For and scope is not None:
                self._loop_variable(node.target, node.iter, scope)
            if kind is cst.With and scope is not None:
                for item in node.items:
                    if item.asname is not None and isinstance(item.asname.name, cst.Name):
                        raw = dotted(item.item.func) if isinstance(item.item, cst.Call) else None
                        if raw:
                            scope.types[item.asname.name.value] = raw + "()"
        elif kind is cst.CompFor and scope is not None:
            self._loop_variable(node.target, node.iter, scope)
        elif kind is cst.Yield and scope is not None and not nested:
            scope.info.yields = True
        elif scope is not None and kind is cst.AsName and isinstance(node.name, cst.Name):
            scope.locals.add(node.name.value)
        for child in children(node):
            self._walk(child, scope, awaited=False, nested=nested)

    def _call(self, node: cst.Call, scope: _Scope | None, *, awaited: bool, nested: bool) -> None:
        raw = dotted(node.func)
        refs: list[str] = []
        last = raw.rsplit(".", 1)[-1] if raw else ""
        if last == N.EXECUTOR_METHOD:
            ref = positional(node, 1)
            refs = [dotted(ref.value)] if ref else []
        elif raw and last in {"run_in_threadpool", "to_thread", "run_sync"}:
            ref = positional(node, 0)
            refs = [dotted(ref.value)] if ref else []
        call = Call(name="", awaited=awaited, nested=nested, keywords=call_keywords(node))
        self.raw_calls.append(_RawCall(call, raw, scope, [r for r in refs if r], node))
        self.call_nodes[id(call)] = node
        self.span_targets.append((call, "span", node))
        if scope is not None:
            scope.info.calls.append(call)
        else:
            self.summary.module_calls.append(call)
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in N.ADD_ROUTE_METHODS:
            self._add_api_route(node, scope)
        elif (
            isinstance(node.func, cst.Call)
            and isinstance(node.func.func, cst.Attribute)
            and node.func.func.attr.value in N.ROUTE_METHODS
        ):
            self._decorator_called(node, node.func, node.func.func)
        self._walk(node.func, scope, awaited=False, nested=nested)
        for arg in node.args:
            self._walk(arg.value, scope, awaited=False, nested=nested)

    def _add_api_route(self, node: cst.Call, scope: _Scope | None) -> None:
        endpoint = keyword_arg(node, "endpoint") or positional(node, 1)
        router = dotted(node.func.value) if isinstance(node.func, cst.Attribute) else None
        if endpoint is None or router is None:
            return
        path_arg = keyword_arg(node, "path") or positional(node, 0)
        route = Route(
            router=router,
            method=node.func.attr.value,
            path=string_value(path_arg.value) if path_arg else None,
            keywords=call_keywords(node),
        )
        self.span_targets.append((route, "span", node))
        self._pending_routes.append((route, dotted(endpoint.value) or "", node, None))

    def _decorator_called(self, node: cst.Call, decorator: cst.Call, func: cst.Attribute) -> None:
        """`app.get("/path")(endpoint)`: the route decorator applied by a call rather than with `@`."""
        endpoint = positional(node, 0)
        router = dotted(func.value)
        path_arg = keyword_arg(decorator, "path") or positional(decorator, 0)
        path = string_value(path_arg.value) if path_arg else None
        if endpoint is None or router is None or path is None or len(node.args) != 1:
            return  # `handlers.get(kind)(payload)` is a lookup, not a route: a route has a literal path
        route = Route(router=router, method=func.attr.value, path=path, keywords=call_keywords(decorator))
        self.span_targets.append((route, "span", decorator))
        self._pending_called_routes.append((route, dotted(endpoint.value) or ""))

    def _function(self, node: cst.FunctionDef, scope: _Scope | None) -> None:
        name = node.name.value
        prefix = ".".join([self.module, *self._class_stack])
        if scope is not None:
            prefix = f"{scope.info.qualname}.<locals>"
            scope.locals.add(name)
        elif not self._class_stack:
            self.bindings[name] = f"{self.module}.{name}"
        info = Function(
            qualname=f"{prefix}.{name}",
            name=name,
            is_async=node.asynchronous is not None,
            span=(1, 1, 1, 1),
            in_class=".".join([self.module, *self._class_stack]) if self._class_stack else None,
            nested=scope is not None,
        )
        self.span_targets.append((info, "span", node.name))
        self.function_nodes.setdefault(info.qualname, node)
        self.summary.functions.append(info)
        inner = _Scope(info=info, node=node, parent=scope)
        decorators = []
        deps: list[str] = []
        for dec in node.decorators:
            expr = dec.decorator
            self._walk(expr, scope, awaited=False, nested=scope is not None)
            target = expr.func if isinstance(expr, cst.Call) else expr
            decorators.append(dotted(target) or "")
            if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
                method = expr.func.attr.value
                router = dotted(expr.func.value)
                if method in N.ROUTE_METHODS and router:
                    path_arg = keyword_arg(expr, "path") or positional(expr, 0)
                    route = Route(
                        router=router,
                        method=method,
                        path=string_value(path_arg.value) if path_arg else None,
                        keywords=call_keywords(expr),
                    )
                    self.span_targets.append((route, "span", expr))
                    self._pending_routes.append((route, "", expr, info))
                    deps += _dependency_list(keyword_arg(expr, "dependencies"))
        info.decorators = tuple(decorators)
        if deps:
            self._pending_deps.append((info, deps))
        params = node.params
        for p in (*params.posonly_params, *params.params, *params.kwonly_params):
            self._param(p, info, inner, scope)
        for p in (params.star_arg, params.star_kwarg):
            if isinstance(p, cst.Param):
                inner.locals.add(p.name.value)
        if node.returns is not None:
            self._walk(node.returns.annotation, scope, awaited=False, nested=scope is not None)
            self._pending_returns.append((info, node.returns.annotation, scope))
        self._walk(node.body, inner, awaited=False, nested=False)
        info.memoized = any(N.last(d) in N.CACHE_DECORATORS for d in decorators) or _guarded_once(node)

    def _param(self, p: cst.Param, info: Function, inner: _Scope, outer: _Scope | None) -> None:
        name = p.name.value
        inner.locals.add(name)
        param = Param(name=name)
        self.span_targets.append((param, "span", p.name))
        if p.annotation is not None:
            self._walk(p.annotation.annotation, outer, awaited=False, nested=outer is not None)
        if p.default is not None:
            self.span_targets.append((param, "default_span", p.default))
            self._walk(p.default, outer, awaited=False, nested=outer is not None)
        info.params.append(param)
        self._pending_params.append((param, p, outer))
        annotation = p.annotation.annotation if p.annotation is not None else None
        base = _annotated_base(annotation) if annotation is not None else None
        raw_type = dotted(base if base is not None else annotation)
        if raw_type:
            inner.params[name] = raw_type
        element = _element_type(base if base is not None else annotation)
        if element:
            inner.elements[name] = element

    def _loop_variable(self, target: cst.BaseExpression, iterable: cst.BaseExpression, scope: _Scope) -> None:
        """`for item in items` with `items: list[Item]`: `item` is an `Item`, as a parameter annotated so."""
        if not (isinstance(target, cst.Name) and isinstance(iterable, cst.Name)):
            return
        s: _Scope | None = scope
        while s is not None:
            if iterable.value in s.elements:
                scope.params[target.value] = s.elements[iterable.value]
                scope.locals.add(target.value)
                return
            s = s.parent

    def _class(self, node: cst.ClassDef, scope: _Scope | None) -> None:
        name = node.name.value
        prefix = ".".join([self.module, *self._class_stack])
        if scope is not None:
            scope.locals.add(name)
            prefix = f"{scope.info.qualname}.<locals>"
        elif not self._class_stack:
            self.bindings[name] = f"{self.module}.{name}"
        info = ClassInfo(
            qualname=f"{prefix}.{name}",
            name=name,
            bases=(),
            span=(1, 1, 1, 1),
            keywords=tuple(
                (a.keyword.value, cst.Module([]).code_for_node(a.value)) for a in node.keywords if a.keyword
            ),
            nested=scope is not None or bool(self._class_stack),
            decorators=tuple(
                dotted(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator) or ""
                for d in node.decorators
            ),
        )
        self.span_targets.append((info, "span", node.name))
        self.class_nodes.setdefault(info.qualname, node)
        self.summary.classes.append(info)
        # `Repository(Generic[T])`, `UserRepo(Repository[User])`: the class, without its type arguments
        self._pending_bases.append((info, [dotted(_unsubscript(a.value)) or "" for a in node.bases]))
        for arg in (*node.bases, *node.keywords):
            self._walk(arg.value, scope, awaited=False, nested=scope is not None)
        self._class_stack.append(name)
        self._walk(node.body, scope, awaited=False, nested=scope is not None)
        self._class_stack.pop()

    def _import(self, node: cst.Import | cst.ImportFrom, scope: _Scope | None) -> None:
        in_function = scope is not None
        if isinstance(node, cst.Import):
            for alias in node.names:
                full = dotted(alias.name) or ""
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    local, target = alias.asname.name.value, full
                else:
                    local = target = full.split(".", 1)[0]
                self._bind(local, target, scope)
                imp = Import(module=full, local=local, in_function=in_function)
                self.span_targets.append((imp, "span", alias))
                self.summary.imports.append(imp)
            return
        level = len(node.relative)
        base = dotted(node.module) if node.module is not None else ""
        if level:
            anchor = self.package.split(".") if self.package else []
            anchor = anchor[: len(anchor) - (level - 1)] if level > 1 else anchor
            base = ".".join([*anchor, base] if base else anchor)
        if isinstance(node.names, cst.ImportStar):
            imp = Import(module=base, local="*", star=True, from_import=True, level=level, in_function=in_function)
            self.span_targets.append((imp, "span", node))
            self.summary.imports.append(imp)
            return
        for alias in node.names:
            name = dotted(alias.name) or ""
            local = (
                alias.asname.name.value
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name)
                else name
            )
            target = f"{base}.{name}" if base else name
            self._bind(local, target, scope)
            imp = Import(module=target, local=local, from_import=True, level=level, in_function=in_function)
            self.span_targets.append((imp, "span", alias))
            self.summary.imports.append(imp)

    def _bind(self, local: str, target: str, scope: _Scope | None) -> None:
        if scope is None:
            self.bindings[local] = target
        else:
            scope.imports[local] = target

    def _assign(self, node: cst.Assign | cst.AnnAssign, scope: _Scope | None) -> None:
        targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
        value = node.value
        for target in targets:
            names = _target_names(target)
            if scope is not None and isinstance(target, cst.Attribute) and isinstance(value, cst.Call):
                path, raw = dotted(target), dotted(value.func)
                if path and raw and "()" not in path:
                    scope.attr_types[path] = raw + "()"
                continue
            if scope is not None:
                raw = dotted(value.func) if isinstance(value, cst.Call) and len(names) == 1 else None
                element = _element_type(node.annotation.annotation) if isinstance(node, cst.AnnAssign) else None
                if element and isinstance(target, cst.Name):
                    scope.elements[target.value] = element
                for n in names:
                    scope.locals.add(n)
                    if raw and n not in scope.params:
                        scope.types[n] = raw + "()"
                continue
            if self._class_stack or len(names) != 1 or not isinstance(target, cst.Name):
                continue
            name = names[0]
            self.bindings[name] = f"{self.module}.{name}"
            if isinstance(value, cst.Call):
                self._pending_assigns.append((name, dotted(value.func) or ""))
            elif isinstance(value, cst.Subscript):
                self._pending_aliases.append((name, value))

    # --- resolution -----------------------------------------------------------------------------------

    def _resolve_all(self) -> None:
        for raw in self.raw_calls:
            raw.call.name = self.qualify(raw.raw, raw.scope)
            raw.call.receiver = _through_local(raw.raw, raw.scope)
            if not raw.call.name and raw.call.receiver:
                raw.call.raw = raw.raw or ""
            if raw.refs:
                raw.call.passed_refs = tuple(self.qualify(r, raw.scope) for r in raw.refs)
        for name, callee in self._pending_assigns:
            qualified = self.qualify(callee)
            self.summary.assigned_calls[name] = qualified
            # a project's own `APIRouter` subclass or router factory, defined anywhere, makes routers too
            if qualified in N.ROUTER_FACTORIES or N.last(qualified) in self.router_types:
                self.summary.routers[name] = qualified
        for name, value in self._pending_aliases:
            param = self._annotated_param(name, value, None)
            if param is not None:
                self.summary.aliases[name] = param
        for param, node, outer in self._pending_params:
            self._fill_param(param, node, outer)
        for info, bases in self._pending_bases:
            info.bases = tuple(self.qualify(b) for b in bases)
            info.attributes = self._attributes(self.class_nodes[info.qualname])
        for info, annotation, scope in self._pending_returns:
            info.returns = self.type_of(annotation, scope)
        for info, deps in self._pending_deps:
            info.dependencies = tuple(filter(None, (self.qualify(d) for d in deps)))
        for route, endpoint in self._pending_called_routes:
            route.router = self.qualify(route.router) or route.router
            qualified = self.qualify(endpoint)
            if qualified and self._is_route(route):
                self.summary.route_endpoints.append((qualified, route))
        for route, endpoint, _node, function in self._pending_routes:
            route.router = self.qualify(route.router) or route.router
            if function is not None:
                if self._is_route(route):
                    function.routes.append(route)
            else:
                qualified = self.qualify(endpoint)
                if qualified:
                    self.summary.route_endpoints.append((qualified, route))

    def type_of(self, annotation: cst.BaseExpression | None, scope: _Scope | None = None) -> str:
        """The qualified type an annotation states, through `Annotated`, `Optional`/`X | None` and the
        generator and iterator types a dependency yields through: `Generator[Session, None, None]` is Session."""
        for _ in range(6):
            if isinstance(annotation, cst.SimpleString):  # a forward reference, `"Session"`
                value = string_value(annotation)
                try:
                    annotation = cst.parse_expression(value) if value else None
                except cst.ParserSyntaxError:
                    return ""
            elif isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
                left, right = annotation.left, annotation.right
                annotation = right if isinstance(left, cst.Name) and left.value == "None" else left
            elif isinstance(annotation, cst.Subscript):
                head = self.qualify_expr(annotation.value, scope)
                first = annotation.slice[0].slice if annotation.slice else None
                if not (head in N.ANNOTATED or N.last(head) in N.TYPE_WRAPPERS) or not isinstance(first, cst.Index):
                    return head
                annotation = first.value
            else:
                return self.qualify_expr(annotation, scope)
        return ""

    def _attributes(self, node: cst.ClassDef) -> dict[str, str]:
        out: dict[str, str] = {}
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
        init: cst.FunctionDef | None = None
        for stmt in body:
            if isinstance(stmt, cst.FunctionDef) and stmt.name.value == "__init__":
                init = stmt
            for small in stmt.body if isinstance(stmt, cst.SimpleStatementLine) else ():
                if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    kind = self.type_of(small.annotation.annotation)
                    if kind:
                        out[small.target.value] = kind
        if init is None:
            return out
        params = [*init.params.posonly_params, *init.params.params, *init.params.kwonly_params]
        if not params:
            return out
        self_name = params[0].name.value
        typed = {p.name.value: self.type_of(p.annotation.annotation) for p in params[1:] if p.annotation}
        for attr, value, annotation in self_assignments(init, self_name):
            if annotation is not None:
                kind = self.type_of(annotation)
            elif isinstance(value, cst.Name):
                kind = typed.get(value.value, "")
            elif isinstance(value, cst.Call):
                callee = self.qualify_expr(value.func)
                kind = f"{callee}()" if callee else ""
            else:
                kind = ""
            if kind:
                out.setdefault(attr, kind)
        return out

    def _is_route(self, route: Route) -> bool:
        router = route.router
        local = router.removeprefix(self.module + ".")
        if router.startswith(self.module + ".") and local in self.summary.assigned_calls:
            return local in self.summary.routers
        # imported router, or unresolvable: the fallback of B1 needs a path string and a router-like name
        return route.path is not None and N.looks_like_router(router)

    def _annotated_param(self, name: str, value: cst.BaseExpression, scope: _Scope | None) -> Param | None:
        if not isinstance(value, cst.Subscript) or self.qualify_expr(value.value, scope) not in N.ANNOTATED:
            return None
        elements = [e.slice.value for e in value.slice if isinstance(e.slice, cst.Index)]
        if not elements:
            return None
        param = Param(name=name, annotation=self.qualify_expr(elements[0], scope))
        for meta in elements[1:]:
            if isinstance(meta, cst.Call) and self.qualify_expr(meta.func, scope) in N.DEPENDS:
                param.depends = self._depends_target(meta, elements[0], scope)
        return param

    def _depends_target(self, call: cst.Call, annotation: cst.BaseExpression | None, scope: _Scope | None) -> str:
        arg = keyword_arg(call, "dependency") or positional(call, 0)
        target = arg.value if arg is not None else annotation  # `Depends()` means the annotated class
        return self.qualify_expr(target, scope) or (dotted(target) or "")

    def _fill_param(self, param: Param, node: cst.Param, outer: _Scope | None) -> None:
        annotation = node.annotation.annotation if node.annotation is not None else None
        if annotation is not None:
            annotated = self._annotated_param(param.name, annotation, outer)
            if annotated is not None:
                param.annotation = annotated.annotation
                param.depends = annotated.depends
            else:
                qualified = self.qualify_expr(annotation, outer)
                param.annotation = qualified
                local = qualified.removeprefix(self.module + ".")
                if local in self.summary.aliases:
                    alias = self.summary.aliases[local]
                    param.annotation, param.depends, param.alias = alias.annotation, alias.depends, qualified
                elif qualified and not qualified.startswith(("builtins.", "typing.")):
                    param.alias = qualified  # maybe an alias defined in another module: phase 2 decides
        default = node.default
        if isinstance(default, cst.Call):
            param.default_call = self.qualify_expr(default.func, outer)
        if isinstance(default, cst.Call) and param.default_call in N.DEPENDS:
            param.depends = self._depends_target(default, annotation, outer)
            param.depends_in_default = True


COLLECTIONS = frozenset(
    {"list", "List", "set", "Set", "frozenset", "FrozenSet", "Sequence", "MutableSequence", "Iterable", "Iterator",
     "Collection", "AbstractSet", "AsyncIterable", "AsyncIterator"}
)  # fmt: skip


def _element_type(annotation: cst.BaseExpression | None) -> str | None:
    """`list[Item]`, `Sequence[Item]`...: the raw dotted name of the item type."""
    if not isinstance(annotation, cst.Subscript) or len(annotation.slice) != 1:
        return None
    head = dotted(annotation.value) or ""
    first = annotation.slice[0].slice
    if head.rsplit(".", 1)[-1] not in COLLECTIONS or not isinstance(first, cst.Index):
        return None
    return dotted(first.value)


def _unsubscript(node: cst.BaseExpression) -> cst.BaseExpression:
    return node.value if isinstance(node, cst.Subscript) else node


def _guarded_once(node: cst.FunctionDef) -> bool:
    """`global x` and `if x is None:` (or `if not x:`) in the body: the work under it runs on the first call."""
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    names: set[str] = set()
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Global):
                    names.update(n.name.value for n in small.names)
        elif isinstance(stmt, cst.If) and names:
            test = stmt.test
            if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
                test = test.expression
            elif isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
                test = test.left if isinstance(test.comparisons[0].operator, cst.Is) else None
            if isinstance(test, cst.Name) and test.value in names:
                return True
    return False


def self_assignments(init: cst.FunctionDef, self_name: str):
    """`(attribute, value, annotation)` of each top-level `self.attr = value` (or annotated) in `__init__`."""
    suite = init.body
    lines = suite.body if isinstance(suite, cst.IndentedBlock) else [suite]  # a one-line suite holds statements
    for stmt in lines:
        for small in stmt.body if isinstance(stmt, (cst.SimpleStatementLine, cst.SimpleStatementSuite)) else ():
            if isinstance(small, cst.Assign) and len(small.targets) == 1:
                target, value, annotation = small.targets[0].target, small.value, None
            elif isinstance(small, cst.AnnAssign):
                target, value, annotation = small.target, small.value, small.annotation.annotation
            else:
                continue
            if (
                isinstance(target, cst.Attribute)
                and isinstance(target.value, cst.Name)
                and target.value.value == self_name
            ):
                yield target.attr.value, value, annotation


def _through_local(raw: str | None, scope: _Scope | None) -> bool:
    if not raw or "." not in raw:
        return False
    head = raw.split(".", 1)[0].removesuffix("()")
    while scope is not None:
        if head in scope.imports:
            return False
        if head in scope.params or head in scope.types or head in scope.locals:
            return True
        scope = scope.parent
    return False


def _annotated_base(annotation: cst.BaseExpression) -> cst.BaseExpression | None:
    if isinstance(annotation, cst.Subscript) and dotted(annotation.value) in {
        "Annotated",
        "typing.Annotated",
    }:
        first = annotation.slice[0].slice if annotation.slice else None
        return first.value if isinstance(first, cst.Index) else None
    return None


def _target_names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        out = []
        for el in target.elements:
            out += _target_names(el.value)
        return out
    return []


def _dependency_list(arg: cst.Arg | None) -> list[str]:
    if arg is None or not isinstance(arg.value, (cst.List, cst.Tuple)):
        return []
    out = []
    for el in arg.value.elements:
        value = el.value
        if isinstance(value, cst.Call):
            target = keyword_arg(value, "dependency") or positional(value, 0)
            if target is not None and dotted(target.value):
                out.append(dotted(target.value))
    return out
