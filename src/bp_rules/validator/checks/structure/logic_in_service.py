"""`structure-logic-in-service`: routes stay thin; queries and the database session belong in
`src/<domain>/service.py`."""

from __future__ import annotations

import re

from bp_rules.validator.analysis.misplaced import placed, role_home
from bp_rules.validator.analysis.sessions import SessionNames
from bp_rules.validator.names import last
from bp_rules.validator.project import Project
from bp_rules.validator.registry import ProjectCheck, register
from bp_rules.validator.summary import Call, Function

STATEMENTS = frozenset(
    f"{module}.{name}"
    for module in ("sqlalchemy", "sqlalchemy.sql", "sqlalchemy.sql.expression", "sqlalchemy.future", "sqlmodel")
    for name in ("select", "insert", "update", "delete", "text")
)


SESSION_METHODS = frozenset(
    {"execute", "scalars", "scalar", "get", "add", "add_all", "delete", "flush", "refresh", "query", "exec", "merge"}
)


HEALTH = re.compile(r"^(health|healthz|healthcheck|health_check|ping|ready|readiness|readyz|live|liveness|livez)")


DATABASES_METHODS = frozenset({"fetch_all", "fetch_one", "fetch_val", "iterate", "execute", "execute_many"})


@register
class LogicInService(ProjectCheck):
    rule_id = "structure-logic-in-service"

    def check(self, project: Project) -> None:
        sessions = SessionNames(project)
        for place, summary in placed(project):
            if project.config.role_of(place.parts[-1]) != "router":
                continue
            service = role_home(place, project, "service")
            for fn in summary.functions:
                if not project.is_route(fn) or HEALTH.match(fn.name):
                    continue  # a health probe's `SELECT 1` checks the connection; it is no business logic
                found = self._first_data_call(fn, sessions)
                if found is None:
                    continue
                call, what = found
                project.report(
                    self.rule_id,
                    place.path,
                    call.span,
                    f"route `{fn.name}` {what} itself; move the query into a function of {service} that takes "
                    "the session, and have the route call it",
                )

    @staticmethod
    def _first_data_call(fn: Function, sessions: SessionNames) -> tuple[Call, str] | None:
        for call in sorted(fn.calls, key=lambda c: c.span):
            if call.nested or not call.name:
                continue
            if call.name in STATEMENTS:
                return call, f"builds a `{last(call.name)}(...)` statement"
            receiver, _, method = call.name.rpartition(".")
            if not receiver:
                continue
            if method in SESSION_METHODS and sessions.session_type(receiver):
                return call, f"calls the session's `{method}(...)`"
            if method in DATABASES_METHODS and sessions.databases_client(receiver):
                return call, f"runs `{last(receiver)}.{method}(...)`"
        return None
