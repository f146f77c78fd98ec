"""What the placement checks share: each file's place in the layout, its public classes, and how a finding
names what is misplaced and where it belongs.

The placement checks run in phase 2, where the whole tree is known: in a project that is not organised by
domain they stay quiet (`structure-by-domain` reports the layout once), and files inside a file-type folder
are left to that rule too. Where a file holds many misplaced things of one kind, the finding is made once for
the file, on the first of them, so a large project gets one finding per module to move rather than one per
class.
"""

from __future__ import annotations

from bp_rules.validator.analysis.layout import Layout, Place
from bp_rules.validator.project import Project
from bp_rules.validator.summary import FileSummary


def placed(project: Project):
    """The files placement rules look at; nothing when the project is not organised by domain."""
    layout = Layout.of(project)
    if not layout.by_domain:
        return []
    return list(layout.checked())


def public_classes(summary: FileSummary):
    return [cls for cls in summary.classes if not cls.nested and not cls.name.startswith("_")]


def pronoun(labels: list[str]) -> str:
    return "it" if len(labels) == 1 else "them"


def role_home(place: Place, project: Project, role: str) -> str:
    return f"`{Layout.of(project).home(place, role)}`"
