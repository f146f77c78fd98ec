"""WebSocket endpoints: a route registered with `websocket` runs for the whole connection, so the async
checks judge it apart from request routes."""

from __future__ import annotations

from bp_rules.validator.project import Project
from bp_rules.validator.summary import Function

WEBSOCKET_METHODS = frozenset({"websocket", "add_api_websocket_route"})


def websocket_endpoints(project: Project) -> set[str]:
    out = set()
    for summary in project.summaries.values():
        for endpoint, route in summary.route_endpoints:
            if route.method in WEBSOCKET_METHODS:
                out.add(project.canonical(endpoint))
    return out


def is_websocket(fn: Function, websockets: set[str]) -> bool:
    return fn.qualname in websockets or any(r.method in WEBSOCKET_METHODS for r in fn.routes)
