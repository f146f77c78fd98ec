"""The sessions of a tree that may hold several projects (a monorepo: `services/a/`, `services/b/`, each with its
own manifest): each path is checked as part of the project it belongs to, the nearest manifest above it, as
`bp-rules verify` does, with that project's settings and the rest of that project as context."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from bp_rules.validator.discovery import find_project_root
from bp_rules.validator.session import Session, SessionError


class Sessions:
    def __init__(self, root: Path, rule_dirs: tuple[Path, ...] = ()):
        self.root = root.resolve()
        self.rule_dirs = rule_dirs
        self.lock = threading.RLock()  # one check at a time, whichever project it is in
        self._sessions: dict[Path, Session] = {}

    @property
    def default(self) -> Session:
        """The session of the served root itself (rules, the diff of the whole tree)."""
        return self.at(self.root)

    def at(self, project: Path) -> Session:
        session = self._sessions.get(project)
        if session is None:
            session = self._sessions[project] = Session(project, self.rule_dirs)
        return session

    def all(self) -> list[Session]:
        return [self._sessions[root] for root in sorted(self._sessions)]

    def locate(self, path: str | Path) -> tuple[Session, str]:
        """The session of the project `path` (absolute, or relative to the served root) belongs to, and the
        path relative to that project; outside the served tree is an error."""
        given = Path(path)
        absolute = Path(os.path.normpath(given if given.is_absolute() else self.root / given))
        if absolute != self.root and self.root not in absolute.parents:
            raise SessionError(f"{path}: outside the project {self.root}")
        project = find_project_root(absolute)
        if project != self.root and self.root not in project.parents:
            project = self.root  # the served root sits inside a project: it is that project's part
        session = self.at(project)
        return session, session.relative(absolute)
