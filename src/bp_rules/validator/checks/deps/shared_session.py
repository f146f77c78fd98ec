"""`deps-shared-session`: a dependency that queries the database takes the session as a dependency, instead
of opening its own or using a global one."""

from __future__ import annotations

from bp_rules.validator.analysis.layout import Layout
from bp_rules.validator.analysis.sessions import SESSION_FACTORIES, SESSION_TYPES, SessionNames
from bp_rules.validator.names import last
from bp_rules.validator.project import Project
from bp_rules.validator.registry import ProjectCheck, register
from bp_rules.validator.summary import Call, Function


@register
class SharedSession(ProjectCheck):
    rule_id = "deps-shared-session"

    def check(self, project: Project) -> None:
        layout = Layout.of(project)
        sessions = SessionNames(project)
        for fn, summary in project.reported_functions():
            if fn.yields or fn.nested or not project.is_dependency(fn):
                continue
            place = layout.place(summary.path)
            if place.in_tests or place.in_migrations:
                continue
            found = self._own_session(fn, sessions)
            if found is None:
                continue
            call, what = found
            project.report(
                self.rule_id,
                summary.path,
                call.span,
                f"dependency `{fn.name}` {what} instead of the request's session, so one request holds two "
                "sessions and two transactions; take `db: DbSession` as a parameter and pass it on",
            )

    @staticmethod
    def _own_session(fn: Function, sessions: SessionNames) -> tuple[Call, str] | None:
        for call in sorted(fn.calls, key=lambda c: c.span):
            if call.nested or not call.name or call.receiver:
                continue
            if call.name in SESSION_TYPES - SESSION_FACTORIES:
                return call, f"opens its own session with `{last(call.name)}(...)`"
            if sessions.session_factory(call.name):
                return call, f"opens its own session with `{last(call.name)}()`"
            receiver, _, method = call.name.rpartition(".")
            if receiver and not receiver.endswith("()") and sessions.module_session(receiver):
                return call, f"uses the module-level session `{last(receiver)}` (`{last(receiver)}.{method}(...)`)"
        return None
