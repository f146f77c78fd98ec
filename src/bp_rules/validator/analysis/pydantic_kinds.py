"""Class kinds (catalog B5) for the Pydantic checks: which classes are Pydantic models and which are settings.

Phase 2 resolves a class's bases transitively through `project.classes`. A base the project does not define
and that is no known library class stays unknown, with one fallback: in a `schemas` module (where the guide
puts Pydantic models and nothing else) a class built on a missing first-party base, such as `CustomModel`
from `src.models` when only part of the tree is checked, counts as a model.
"""

from __future__ import annotations

from collections import Counter

from bp_rules.validator.context import placement
from bp_rules.validator.project import Project
from bp_rules.validator.summary import ClassInfo, FileSummary

SCHEMA = "schema"
SETTINGS = "settings"

BASE_MODEL = frozenset({"pydantic.BaseModel", "pydantic.main.BaseModel"})
SCHEMA_ROOTS = BASE_MODEL | frozenset(
    {
        "pydantic.RootModel",
        "pydantic.root_model.RootModel",
        "pydantic.generics.GenericModel",
        "sqlmodel.SQLModel",
        "sqlmodel.main.SQLModel",
    }
)
SETTINGS_ROOTS = frozenset(
    {
        "pydantic_settings.BaseSettings",
        "pydantic_settings.main.BaseSettings",
        "pydantic.BaseSettings",  # v1 (pydantic-settings-import reports the import itself)
        "pydantic.env_settings.BaseSettings",
    }
)
MAX_DEPTH = 12
# the project's API base model: the direct `BaseModel` subclass that more than this share of its schemas inherit
API_BASE_SHARE = 0.5


class ClassKinds:
    """Memoized B5 resolution over the project's summaries."""

    def __init__(self, project: Project):
        self.project = project
        self._kinds: dict[str, str | None] = {}
        self._api_bases: frozenset[str] | None = None
        roots = project.config.first_party()
        self._first_party = roots | {s.module.split(".")[0] for s in project.summaries.values() if s.module}

    # --- lookups --------------------------------------------------------------------------------------

    def find(self, name: str) -> tuple[ClassInfo, FileSummary] | None:
        if not name:
            return None
        return self.project.classes.get(self.project.canonical(name))

    def first_party(self, name: str) -> bool:
        return bool(name) and name.split(".")[0] in self._first_party

    # --- kinds ----------------------------------------------------------------------------------------

    def kind(self, qualname: str) -> str | None:
        """`schema`, `settings` or None for a class of the project, by its qualified name."""
        if qualname in self._kinds:
            return self._kinds[qualname]
        self._kinds[qualname] = None  # a cycle resolves to nothing
        found = self.project.classes.get(qualname)
        result = self._resolve(found[0], found[1], 0) if found else None
        self._kinds[qualname] = result
        return result

    def _resolve(self, cls: ClassInfo, summary: FileSummary, depth: int) -> str | None:
        kinds = {self._base_kind(base, summary, depth) for base in cls.bases}
        if SETTINGS in kinds:
            return SETTINGS
        return SCHEMA if SCHEMA in kinds else None

    def _base_kind(self, base: str, summary: FileSummary, depth: int) -> str | None:
        if base in SETTINGS_ROOTS:
            return SETTINGS
        if base in SCHEMA_ROOTS:
            return SCHEMA
        if depth > MAX_DEPTH or not base:
            return None
        found = self.find(base)
        if found is not None:
            return self.kind(found[0].qualname)
        if self.first_party(base) and self.in_schemas_module(summary):
            return SCHEMA
        return None

    def in_schemas_module(self, summary: FileSummary) -> bool:
        return placement(summary.path, self.project.config).role == "schemas"

    def is_model(self, qualname: str) -> bool:
        """A Pydantic model of any kind (schema or settings), SQLModel tables excluded."""
        return self.kind(qualname) is not None and not self.is_table(qualname)

    def is_table(self, qualname: str, depth: int = 0) -> bool:
        """A SQLModel class with `table=True`: an ORM model rather than a schema."""
        found = self.project.classes.get(qualname)
        if found is None or depth > MAX_DEPTH:
            return False
        cls = found[0]
        if any(k == "table" and v == "True" for k, v in cls.keywords):
            return True
        return any(self.is_table(b[0].qualname, depth + 1) for b in map(self.find, cls.bases) if b)

    def project_bases(self, qualname: str) -> list[str]:
        """The class and its ancestors defined in the project, nearest first (depth-first, no repeats)."""
        out: list[str] = []
        todo = [qualname]
        while todo and len(out) < 64:
            name = todo.pop(0)
            if name in out:
                continue
            found = self.project.classes.get(name)
            if found is None:
                continue
            out.append(name)
            todo.extend(b[0].qualname for b in map(self.find, found[0].bases) if b)
        return out

    def api_base_models(self) -> frozenset[str]:
        """The project's API base model: the class on `BaseModel` that most of the project's other schemas
        (tests and SQLModel tables aside), and at least two, inherit; internal payloads may not."""
        if self._api_bases is not None:
            return self._api_bases
        schemas = [
            qualname
            for qualname, (_cls, summary) in self.project.classes.items()
            if self.kind(qualname) == SCHEMA and not self.is_table(qualname) and not self.is_in_tests(summary)
        ]
        inherited = Counter(base for qualname in schemas for base in self.project_bases(qualname)[1:])
        self._api_bases = frozenset(
            base
            for base, count in inherited.items()
            if count >= 2
            and count > API_BASE_SHARE * (len(schemas) - 1)
            and any(b in BASE_MODEL for b in self.project.classes[base][0].bases)
        )
        return self._api_bases

    def is_in_tests(self, summary: FileSummary) -> bool:
        return placement(summary.path, self.project.config).in_tests
