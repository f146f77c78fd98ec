"""What phase 1 learns about a file: small, picklable facts that outlive the syntax tree.

Phase 2 (project-wide checks) and the cache work from these summaries only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Bumped when the shape or meaning of a summary changes, so that cached summaries of older runs are not reused.
SUMMARY_VERSION = 4

Span = tuple[int, int, int, int]  # line, col (1-based), end line, end col
NO_SPAN: Span = (1, 1, 1, 1)


@dataclass(slots=True)
class Import:
    module: str  # the qualified name bound, e.g. `src.auth.constants` or `jose.jwt`
    local: str  # the name bound in this module
    span: Span = NO_SPAN
    star: bool = False
    from_import: bool = False
    level: int = 0  # dots of a relative import
    in_function: bool = False


@dataclass(slots=True)
class Call:
    name: str  # qualified callee, e.g. `requests.get`, `src.posts.service.load()`; "" if unresolvable
    span: Span = NO_SPAN
    awaited: bool = False
    nested: bool = False  # inside a nested def/lambda/class of the function
    keywords: tuple[str, ...] = ()
    # functions handed over by reference (`run_in_threadpool(fn)`): they run off the event loop
    passed_refs: tuple[str, ...] = ()
    # resolved through a parameter or local variable (`user.role()`): a method on an object, not a module
    receiver: bool = False
    # the callee as written when its head is a parameter or local whose type phase 1 cannot know
    # (`self.repos.users.get_one`, `session.execute` with `session=Depends(get_session)`); phase 2 types it
    raw: str = ""


@dataclass(slots=True)
class Param:
    name: str
    annotation: str = ""  # qualified name of the annotated type (Annotated[T, ...] gives T)
    depends: str | None = None  # the dependency callable, from `= Depends(f)` or `Annotated[T, Depends(f)]`
    depends_in_default: bool = False  # the old `param: T = Depends(f)` form
    default_call: str = ""  # qualified callee of a call used as the default (`fastapi.Query`, ...)
    alias: str = ""  # the Annotated alias the annotation went through, e.g. `src.posts.dependencies.PostDep`
    span: Span = NO_SPAN
    default_span: Span = NO_SPAN


@dataclass(slots=True)
class Route:
    router: str  # qualified name of the app/router variable, e.g. `src.posts.router.router`
    method: str  # get, post, ..., api_route, websocket, add_api_route
    path: str | None
    keywords: tuple[str, ...] = ()
    span: Span = NO_SPAN


@dataclass(slots=True)
class Function:
    qualname: str  # module.func or module.Class.method
    name: str
    is_async: bool
    span: Span  # the name in `def name`
    params: list[Param] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    decorators: tuple[str, ...] = ()
    dependencies: tuple[str, ...] = ()  # `dependencies=[Depends(f)]` on the route decorators
    in_class: str | None = None
    nested: bool = False
    awaits: int = 0  # await expressions in its own body
    yields: bool = False
    returns: str = ""  # the annotated return type, through Annotated, Optional and (Async)Generator/Iterator
    # computes its result once and reuses it (`@functools.cache`, or `global x; if x is None: x = ...`)
    memoized: bool = False


@dataclass(slots=True)
class ClassInfo:
    qualname: str
    name: str
    bases: tuple[str, ...]
    span: Span
    keywords: tuple[tuple[str, str], ...] = ()  # class keywords, e.g. (("table", "True"),)
    nested: bool = False
    decorators: tuple[str, ...] = ()  # as written, e.g. `cappa.command`, `dataclass`
    # instance attributes with a stated type: class-body annotations, `self.x = ...` in `__init__`
    # (`C()` for an instance made by calling C)
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class FileSummary:
    path: str  # POSIX path relative to the project root
    module: str  # dotted module name derived from the path
    imports: list[Import] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)
    classes: list[ClassInfo] = field(default_factory=list)
    routers: dict[str, str] = field(default_factory=dict)  # variable -> callee (fastapi.APIRouter/FastAPI)
    aliases: dict[str, Param] = field(default_factory=dict)  # module-level `X = Annotated[T, Depends(f)]`
    assigned_calls: dict[str, str] = field(default_factory=dict)  # module var -> callee qualified name
    route_endpoints: list[tuple[str, Route]] = field(default_factory=list)  # add_api_route endpoints
    module_calls: list[Call] = field(default_factory=list)  # calls at module level (include_router, ...)
    syntax_error: bool = False
    # rule id -> JSON-like facts a rule's file check recorded for its project check (lists, str, int, bool)
    facts: dict[str, list] = field(default_factory=dict)
