"""Which functions block the event loop, and through which chain of calls: shared by the checks of blocking
work in routes, dependencies, background tasks and sessions."""

from __future__ import annotations

from bp_rules.validator.names import BLOCKING_CALLS, last, matches
from bp_rules.validator.project import Project
from bp_rules.validator.summary import Call, Function

MAX_DEPTH = 4


def display(name: str) -> str:
    return name.replace("builtins.", "")


class BlockingIndex:
    """Which functions block, and through which chain; shared by the checks that need to know."""

    def __init__(self, project: Project):
        self.project = project
        self.patterns = frozenset(BLOCKING_CALLS) | frozenset(project.config.blocking_calls)
        self._chains: dict[str, list[str] | None] = {}

    def expand(self, name: str) -> str:
        """Follow a module-level `X = factory(...)` or an Annotated alias to what the name really is."""
        if not name:
            return name
        head, sep, rest = name.partition("()")
        alias = self.project.alias(head)
        if alias is not None and alias.annotation:
            return f"{alias.annotation}{sep}{rest}" if sep else alias.annotation
        module, _, var = head.rpartition(".")
        summary = self.project.module_of.get(module)
        if summary is not None and var in summary.assigned_calls and summary.assigned_calls[var]:
            return f"{summary.assigned_calls[var]}(){sep}{rest}"
        # a parameter typed with an alias: `db: DbSession` gives `src.deps.DbSession.execute`
        prefix, _, method = name.rpartition(".")
        alias = self.project.alias(prefix)
        if alias is not None and alias.annotation:
            return f"{alias.annotation}.{method}"
        return name

    def blocking(self, call: Call, fn: Function | None = None) -> str | None:
        called = self.project.call_name(fn, call) if fn is not None else call.name
        name = self.expand(called)
        return name if matches(name, self.patterns) or matches(called, self.patterns) else None

    def callee(self, call: Call, fn: Function | None = None) -> Function | None:
        found = self.project.function(self.project.call_name(fn, call) if fn is not None else call.name)
        return found[0] if found else None

    def chain(self, fn: Function) -> list[str] | None:
        """For a sync function: the shortest call chain to a blocking call, e.g. [load_rates, requests.get]; of
        several equally short ones, the first in call order. The answer depends on `fn` alone, never on what
        was asked before, so a run that visits fewer functions reports the same chains."""
        if fn.qualname not in self._chains:
            self._chains[fn.qualname] = self._shortest_chain(fn)
        return self._chains[fn.qualname]

    def _shortest_chain(self, fn: Function) -> list[str] | None:
        if fn.memoized:
            return None  # a cached one-time initialisation blocks once, on the first call, not per request
        level: list[tuple[Function, list[str]]] = [(fn, [fn.name])]
        seen = {fn.qualname}
        for _ in range(MAX_DEPTH + 1):  # breadth first: every function n calls away before any n + 1 away
            following: list[tuple[Function, list[str]]] = []
            for current, names in level:
                for call in current.calls:
                    if call.nested:
                        continue
                    blocked = self.blocking(call, current)
                    if blocked:
                        return [*names, display(blocked)]
                    callee = self.callee(call, current)
                    if callee is None or callee.is_async or callee.memoized or callee.qualname in seen:
                        continue
                    seen.add(callee.qualname)
                    following.append((callee, [*names, callee.name]))
            level = following
        return None


def expand(index: BlockingIndex, name: str) -> str:
    """`BlockingIndex.expand`, plus a method of a module-level instance defined in another module:
    `src.auth.security.pwd_context.verify` -> `passlib.context.CryptContext().verify`."""
    expanded = index.expand(name)
    if expanded != name or "()" in name:
        return expanded
    parts = name.split(".")
    for i in range(len(parts) - 2, 0, -1):
        summary = index.project.module_of.get(".".join(parts[:i]))
        if summary is not None:
            factory = summary.assigned_calls.get(parts[i])
            return f"{factory}().{'.'.join(parts[i + 1 :])}" if factory else name
    return name


def blocking_instance(index: BlockingIndex, name: str) -> str | None:
    expanded = expand(index, name)
    return expanded if expanded != name and matches(expanded, index.patterns) else None


def first_blocking(index: BlockingIndex, fn: Function) -> tuple[Call, str] | None:
    """The first call of `fn` that blocks, directly or through a sync project helper, and how."""
    for call in fn.calls:
        if call.awaited or call.nested:
            continue
        blocked = index.blocking(call, fn) or blocking_instance(index, call.name)
        if blocked:
            return call, f"`{display(blocked)}`"
        callee = index.callee(call, fn)
        if callee is not None and not callee.is_async:
            chain = index.chain(callee)
            if chain:
                return call, f"`{callee.name}` ({' -> '.join(chain)})"
    return None


CPU_HEAVY = frozenset(
    {
        "bcrypt.hashpw", "bcrypt.checkpw", "bcrypt.kdf", "hashlib.pbkdf2_hmac", "hashlib.scrypt",
        "passlib.context.CryptContext().hash", "passlib.context.CryptContext().verify",
        "passlib.context.CryptContext().verify_and_update", "passlib.context.CryptContext.hash",
        "passlib.context.CryptContext.verify", "passlib.context.CryptContext.verify_and_update",
        "argon2.PasswordHasher().hash", "argon2.PasswordHasher().verify",
        "pwdlib.PasswordHash().hash", "pwdlib.PasswordHash().verify",
        "pwdlib.PasswordHash.recommended().hash", "pwdlib.PasswordHash.recommended().verify",
        "PIL.Image.open().resize", "PIL.Image.open().thumbnail", "PIL.Image.open().save",
        "PIL.Image.Image.resize", "PIL.Image.Image.thumbnail", "PIL.Image.Image.save",
        "numpy.linalg.*",
    }
)  # fmt: skip


# C code that releases the GIL while it works: a worker thread runs it in parallel with the event loop, so the
# threadpool is a fine place for it (the facts tests measure this for each entry).
RELEASES_GIL = frozenset({"bcrypt.hashpw", "bcrypt.checkpw", "bcrypt.kdf", "hashlib.pbkdf2_hmac", "hashlib.scrypt"})


def cpu_heavy(name: str) -> str | None:
    if not name:
        return None
    if matches(name, CPU_HEAVY) or name.startswith("pandas.read_"):
        return name
    if name.startswith("passlib.hash.") and last(name) in ("hash", "verify", "encrypt"):
        return name
    return None


# calls a sync dependency may make and still be better off as `async def`: they do no I/O
PURE_MODULES = (
    "builtins.", "fastapi.", "starlette.status", "pydantic.", "typing.", "datetime.", "uuid.", "enum.",
    "math.", "re.", "json.", "decimal.", "collections.", "itertools.", "functools.", "dataclasses.",
)  # fmt: skip


IO_BUILTINS = ("builtins.open", "builtins.input", "builtins.print")


def _first_party_class(project: Project, name: str) -> bool:
    """`Page(...)` imported from the project's own package: building an object, not I/O."""
    module, _, short = name.rpartition(".")
    config = project.config
    roots = tuple({f"{spelled}." for r in config.source_roots for spelled in (config.dotted(r), r.replace("/", "."))})
    return short[:1].isupper() and (module in project.module_of or f"{module}.".startswith(roots))


def surely_non_blocking(fn: Function, project: Project, index: BlockingIndex) -> bool:
    """No call of `fn` can block: only pure standard-library calls, project classes and non-blocking project
    functions (a method on an object, or a third-party call, may block: then False)."""
    for call in fn.calls:
        if call.nested:
            continue
        if not call.name or index.blocking(call) or call.name in IO_BUILTINS:
            return False
        if call.receiver:
            return False  # a method on an object (an ORM row may lazy-load): cannot tell, stay silent
        found = project.function(call.name)
        if found is not None:
            callee = found[0]
            if not callee.is_async and (index.chain(callee) or not _surely_non_blocking_leaf(callee)):
                return False
            continue
        if project.canonical(call.name.removesuffix("()")) in project.classes or _first_party_class(project, call.name):
            continue
        if not call.name.startswith(PURE_MODULES):
            return False  # a third-party call may block: stay silent
    return True


def _surely_non_blocking_leaf(fn: Function) -> bool:
    return all(c.name.startswith(PURE_MODULES) and c.name not in IO_BUILTINS for c in fn.calls if not c.nested)
