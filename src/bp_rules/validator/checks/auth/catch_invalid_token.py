"""`auth-catch-invalid-token`: PyJWT's `jwt.decode` inside a `try` that turns `InvalidTokenError` into a
401, with an explicit `algorithms=` list (catalog 6.9, rule 56)."""

from __future__ import annotations

import libcst as cst

from bp_rules.validator.analysis import phase_facts as F
from bp_rules.validator.context import FileContext
from bp_rules.validator.indexer import keyword_arg
from bp_rules.validator.names import last
from bp_rules.validator.project import Project
from bp_rules.validator.registry import FileCheck, ProjectCheck, register

JWT_DECODE = frozenset(
    {
        "jwt.decode", "jwt.decode_complete", "jwt.api_jwt.decode", "jwt.api_jwt.decode_complete",
        "jwt.PyJWT().decode", "jwt.PyJWT().decode_complete", "jwt.api_jwt.PyJWT().decode",
    }
)  # fmt: skip
# what catches every decode failure
INVALID_TOKEN = frozenset(
    {
        "jwt.InvalidTokenError", "jwt.exceptions.InvalidTokenError", "jwt.PyJWTError",
        "jwt.exceptions.PyJWTError",
    }
)  # fmt: skip
CATCH_ALL = INVALID_TOKEN | {"builtins.Exception", "builtins.BaseException"}
# PyJWT's exception classes, also when a project re-exports them (`from app.kit import jwt; jwt.DecodeError`)
JWT_ERRORS = frozenset(
    {
        "InvalidTokenError", "PyJWTError", "DecodeError", "InvalidSignatureError", "ExpiredSignatureError",
        "InvalidAudienceError", "InvalidIssuerError", "InvalidIssuedAtError", "ImmatureSignatureError",
        "InvalidKeyError", "InvalidAlgorithmError", "MissingRequiredClaimError", "InvalidSubjectError",
        "InvalidJTIError",
    }
)  # fmt: skip


def catches_all(name: str) -> bool:
    return name in CATCH_ALL or (last(name) in ("InvalidTokenError", "PyJWTError") and "jwt" in name.split("."))


def jwt_error(name: str) -> bool:
    return name.startswith("jwt.") or ("jwt" in name.split(".") and last(name) in JWT_ERRORS)


RULE = "auth-catch-invalid-token"


@register
class CatchInvalidTokenFacts(FileCheck):
    """Reports a missing `algorithms=` here; records unprotected decodes, the functions called inside a
    `try` that catches decode errors, and registered exception handlers for the project check."""

    rule_id = RULE
    node_types = (cst.Try,)

    def check(self, ctx: FileContext) -> None:
        tries: dict[str, list[tuple[cst.Try, list[str]]]] = {}
        index = None
        for node, scope in ctx.nodes(cst.Try):
            caught = [t for h in node.handlers for t in F.handler_types(ctx, h, scope)]
            key = scope.info.qualname if scope is not None else ""
            tries.setdefault(key, []).append((node, caught))
            jwt_caught = [last(c) for c in caught if jwt_error(c) or catches_all(c)]
            if jwt_caught:
                index = index if index is not None else F.call_index(ctx)
                full = any(catches_all(c) for c in caught)
                for name in self._statement_calls(node, index, scope.info if scope is not None else None):
                    F.record(ctx, self.rule_id, "protected", name, full, jwt_caught)
        for fn in [*ctx.summary.functions, None]:
            calls = fn.calls if fn is not None else ctx.summary.module_calls
            for i, call in enumerate(calls):
                if call.name not in JWT_DECODE:
                    continue
                node = ctx.call_node(call)
                self._algorithms(ctx, call, node)
                partial: list[str] = []
                protected = False
                for try_node, caught in tries.get(fn.qualname if fn else "", ()):
                    if not F.contains(try_node.body, node, stop=(cst.FunctionDef, cst.ClassDef)):
                        continue
                    if any(catches_all(c) for c in caught):
                        protected = True
                        break
                    partial += [last(c) for c in caught if jwt_error(c)]
                if not protected:
                    F.record(ctx, self.rule_id, "decode", fn.qualname if fn else "", i, partial)
        for name in F.exception_handlers(ctx):
            F.record(ctx, self.rule_id, "handler", name)

    def _algorithms(self, ctx: FileContext, call, node: cst.Call) -> None:
        if keyword_arg(node, "algorithms") is not None or keyword_arg(node, "options") is not None:
            return
        if any(a.star for a in node.args) or len([a for a in node.args if a.keyword is None]) >= 3:
            return
        ctx.report_at(
            self.rule_id,
            call,
            "`jwt.decode` without `algorithms=` fails in PyJWT and invites algorithm confusion; pass the "
            "algorithm you sign with, `algorithms=[settings.JWT_ALG]`",
        )

    @staticmethod
    def _statement_calls(node: cst.Try, index, fn) -> list[str]:
        """Functions called directly by the statements of a `try` body (`x = await decode_token(t)`,
        `claims = self._decode(token)` in a method)."""
        out = []
        for small in F.small_statements(F.statements(node.body)):
            value = small.value if isinstance(small, (cst.Expr, cst.Assign, cst.AnnAssign, cst.Return)) else None
            value = F.unwrap_await(value)
            if not isinstance(value, cst.Call):
                continue
            found = index.get(id(value))
            if found is not None and found[2].name:
                out.append(found[2].name)
            elif (
                fn is not None
                and fn.in_class
                and isinstance(value.func, cst.Attribute)
                and isinstance(value.func.value, cst.Name)
                and value.func.value.value == F.first_param_name(fn)
            ):
                out.append(f"{fn.in_class}.{value.func.attr.value}")
        return out


@register
class CatchInvalidToken(ProjectCheck):
    rule_id = RULE

    def check(self, project: Project) -> None:
        facts = {path: F.read(s, self.rule_id) for path, s in project.summaries.items()}
        if any(f[0] == "handler" and f[1] in INVALID_TOKEN for fs in facts.values() for f in fs):
            return  # the app turns decode errors into a response itself
        self.project = project
        self.full: set[str] = set()
        self.partial: dict[str, list[str]] = {}
        for fs in facts.values():
            for f in fs:
                if f[0] == "protected":
                    name = project.canonical(f[1])
                    if f[2]:
                        self.full.add(name)
                    else:
                        self.partial.setdefault(name, []).extend(f[3])
        self._callers: dict[str, set[str]] | None = None
        for path, file_facts in facts.items():
            summary = project.summaries[path]
            decodes = [fact[1:] for fact in file_facts if fact[0] == "decode"]
            for fn, call, (partial,) in F.fact_calls(summary, decodes):
                if fn is not None and not project.is_injected(fn):
                    if not self.callers().get(fn.qualname) or self._protected(fn.qualname, frozenset()):
                        continue  # a helper: its callers catch the decode errors, or we cannot see them
                    partial = partial + self._caught_upstream(fn.qualname, frozenset())
                where = f" in `{fn.name}`" if fn is not None else ""
                if partial:
                    problem = (
                        f"is caught only as `{'`, `'.join(dict.fromkeys(partial))}` (here or by its callers), "
                        "not as `InvalidTokenError`, so a token that fails another check becomes a 500"
                    )
                else:
                    problem = "is not inside a `try`, so an expired, malformed or forged token becomes a 500"
                project.report(
                    self.rule_id,
                    summary.path,
                    call.span,
                    f"`jwt.decode`{where} {problem}; catch `jwt.exceptions.InvalidTokenError` and raise a 401 "
                    "domain error (`raise InvalidCredentials() from exc`)",
                )

    def _protected(self, qualname: str, seen: frozenset[str]) -> bool:
        """Some caller calls it inside a `try` that catches every decode error, or every caller is itself
        protected that way (a helper of a helper)."""
        if qualname in self.full:
            return True
        callers = self.callers().get(qualname, set())
        if not callers or qualname in seen or len(seen) > 4:
            return False
        project = self.project
        return all(
            not project.is_injected(project.functions[c][0]) and self._protected(c, seen | {qualname}) for c in callers
        )

    def _caught_upstream(self, qualname: str, seen: frozenset[str]) -> list[str]:
        """The decode errors that callers (and their callers) do catch around it, when not all of them."""
        out = list(self.partial.get(qualname, []))
        if qualname in seen or len(seen) > 4:
            return out
        for caller in sorted(self.callers().get(qualname, ())):
            out += self._caught_upstream(caller, seen | {qualname})
        return out

    def callers(self) -> dict[str, set[str]]:
        if self._callers is None:
            self._callers = {}
            for fn, _ in self.project.functions.values():
                for call in fn.calls:
                    found = self.project.function(call.name) if call.name else None
                    if found is not None:
                        self._callers.setdefault(found[0].qualname, set()).add(fn.qualname)
        return self._callers
