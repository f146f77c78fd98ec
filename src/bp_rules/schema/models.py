"""Pydantic models of a rule record and of the version matrix.

These models are the source of `rule.schema.json` and `matrix.schema.json`: the committed schema files are
generated from them (`python -m bp_rules.schema`), and a test fails when the two drift apart.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

RULE_ID_PATTERN = r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$"
RULE_SCHEMA_ID = "https://bp-rules.dev/schema/rule.schema.json"
MATRIX_SCHEMA_ID = "https://bp-rules.dev/schema/matrix.schema.json"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class Severity(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]


class Origin(StrEnum):
    explicit = "explicit"
    implied = "implied"
    issue = "issue"


class Scope(StrEnum):
    code = "code"
    project = "project"
    both = "both"


class Autofix(StrEnum):
    none = "none"
    safe = "safe"
    unsafe = "unsafe"


class Revisions(StrEnum):
    """Which Alembic revisions a rule reports on."""

    all = "all"
    new = "new"


class ExampleFile(_Strict):
    """One file of a multi-file example (placement and project rules)."""

    path: str = Field(description="Where the file lives, relative to the project root (e.g. `src/posts/router.py`).")
    code: str = Field(description="The file's full content.")
    lines: list[Annotated[int, Field(ge=1)]] = Field(
        default_factory=list,
        description="Don't examples only: the 1-based lines of this file where the finding must land.",
    )
    fixed: str | None = Field(
        default=None,
        description=(
            "Don't examples of a rule with an autofix: this file's full content after `bp-rules verify --fix "
            "--unsafe-fixes` (leave it out for a file the fix does not change)."
        ),
    )


class Example(_Strict):
    """A Do or Don't example: either one snippet (`code`) or a small project (`files`)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"oneOf": [{"required": ["code"]}, {"required": ["files"]}]},
    )

    title: str | None = Field(default=None, description="A few words saying what the example shows.")
    path: str | None = Field(
        default=None,
        description="Where the snippet lives, relative to the project root. Defaults to `example.py`.",
    )
    code: str | None = Field(default=None, description="The snippet.")
    lines: list[Annotated[int, Field(ge=1)]] = Field(
        default_factory=list,
        description="Don't examples only: the 1-based lines of `code` where the finding must land.",
    )
    fixed: str | None = Field(
        default=None,
        description="Don't examples of a rule with an autofix: `code` after `bp-rules verify --fix --unsafe-fixes`.",
    )
    files: list[ExampleFile] | None = Field(
        default=None, min_length=1, description="Several files, for rules about where code lives."
    )

    @model_validator(mode="after")
    def _code_or_files(self) -> Example:
        if (self.code is None) == (self.files is None):
            raise ValueError("an example has either `code` or `files`, not both and not neither")
        if self.files is not None and (self.path is not None or self.lines or self.fixed is not None):
            raise ValueError("`path`, `lines` and `fixed` belong inside each entry of `files`")
        return self

    def as_files(self) -> list[ExampleFile]:
        """The example as a list of files, whatever form it was written in."""
        if self.files is not None:
            return list(self.files)
        return [ExampleFile(path=self.path or "example.py", code=self.code or "", lines=self.lines, fixed=self.fixed)]

    @property
    def has_fix(self) -> bool:
        return any(f.fixed is not None for f in self.as_files())


class Examples(_Strict):
    dont: list[Example] = Field(min_length=1, description="Code that breaks the rule.")
    do: list[Example] = Field(min_length=1, description="Code that follows the rule.")


class PythonCheck(_Strict):
    """A check written in Python, registered under the rule's id."""

    kind: Literal["python"] = Field(description="Implemented by a Python class registered by rule id.")


class ImportCheck(_Strict):
    """Flags imports of (and references to) modules or names."""

    kind: Literal["import"] = Field(description="Importing or referencing one of `names` is a finding.")
    names: list[str] = Field(
        min_length=1,
        description="Qualified names: a module (`jose`, which covers `jose.jwt`) or a name (`pydantic.BaseSettings`).",
    )
    message: str = Field(description="The finding's message; `{name}` is replaced by the name found.")


class CallCheck(_Strict):
    """Flags calls of qualified names, optionally only with or without some keyword arguments."""

    kind: Literal["call"] = Field(description="Calling one of `calls` (under the conditions given) is a finding.")
    calls: list[str] = Field(min_length=1, description="Qualified names of the callables, e.g. `httpx.AsyncClient`.")
    inside: Literal["anywhere", "async-function", "route"] = Field(
        default="anywhere", description="Where the call must be for it to count."
    )
    forbid_keywords: list[str] = Field(
        default_factory=list, description="The call is a finding only when it passes one of these keywords."
    )
    require_keywords: dict[str, str | None] = Field(
        default_factory=dict,
        description=(
            "The call is a finding when one of these keywords is missing or, where a value is given, "
            "when its source text differs from that value."
        ),
    )
    message: str = Field(description="The finding's message; `{call}` and `{keyword}` are replaced.")

    @model_validator(mode="after")
    def _one_condition_kind(self) -> CallCheck:
        if self.forbid_keywords and self.require_keywords:
            raise ValueError("use either `forbid_keywords` or `require_keywords`, not both")
        return self


Check = Annotated[PythonCheck | ImportCheck | CallCheck, Field(discriminator="kind")]


class Rule(_Strict):
    """One practice: what to do, why, examples, and how it is checked."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"$id": RULE_SCHEMA_ID, "title": "bp-rules rule record"},
    )

    id: str = Field(pattern=RULE_ID_PATTERN, description="Stable kebab-case id; the file is named `<id>.yaml`.")
    title: str = Field(min_length=3, description="A short title.")
    category: str = Field(pattern=r"^[a-z]+$", description="The id's first segment, e.g. `async`.")
    severity: Severity = Field(description="How serious a finding is.")
    summary: str = Field(min_length=10, description="One imperative line: what to do.")
    rationale: str = Field(min_length=20, description="Why: what breaks, and for whom.")
    source: list[str] = Field(min_length=1, description="The upstream section(s) the practice comes from.")
    origin: Origin = Field(description="Stated by the guide, implied by its examples, or asked for by its users.")
    scope: Scope = Field(description="Whether the rule is about Python code, project files, or both.")
    applies_to: list[str] | None = Field(
        default=None,
        description="Path globs the rule applies to. Defaults: `**/*.py` for code rules, the whole tree otherwise.",
    )
    enabled_by_default: bool = Field(default=True, description="Opt-in rules set this to false.")
    examples: Examples
    check: Check | None = Field(description="How the rule is checked; null for guidance-only practices.")
    fix: str = Field(min_length=5, description="How to fix a finding.")
    ruff: list[Annotated[str, Field(pattern=r"^[A-Z]+[0-9]+$")]] = Field(
        default_factory=list,
        description="The nearest ruff rule codes (e.g. `FAST002`); they overlap but lack the FastAPI scoping.",
    )
    autofix: Autofix = Field(
        default=Autofix.none,
        description=(
            "Whether `bp-rules verify --fix` rewrites findings by itself: `safe` (behaviour kept), `unsafe` "
            "(only with `--unsafe-fixes`; say why in `autofix_reason`) or `none`."
        ),
    )
    min_python: str | None = Field(
        default=None,
        pattern=r"^3\.[0-9]+$",
        description=(
            "The oldest Python the fix needs (e.g. `3.11` for `enum.StrEnum`). A project whose target Python is "
            "older gets no finding from this rule: the advice would not run there."
        ),
    )
    autofix_reason: str | None = Field(
        default=None, min_length=10, description="Why the fix is unsafe: what it may change that a person must check."
    )

    revisions: Revisions = Field(
        default=Revisions.all,
        description=(
            "Which Alembic revision files the rule reports on: `all`, or `new` (the head revision of each chain, "
            "and any revision a `verify diff` change touches), leaving applied history alone."
        ),
    )

    @model_validator(mode="after")
    def _autofix_consistent(self) -> Rule:
        if self.autofix is Autofix.unsafe and not self.autofix_reason:
            raise ValueError("an `unsafe` autofix says why in `autofix_reason`")
        if self.autofix is Autofix.none:
            if self.autofix_reason:
                raise ValueError("`autofix_reason` explains an autofix; this rule has none")
            if any(e.has_fix for e in (*self.examples.dont, *self.examples.do)):
                raise ValueError("`fixed` shows what the autofix writes; this rule has none")
        elif any(not e.has_fix for e in self.examples.dont):
            raise ValueError("every Don't example of a rule with an autofix shows its `fixed` code")
        if any(e.has_fix for e in self.examples.do):
            raise ValueError("`fixed` belongs to Don't examples only")
        return self

    @property
    def checked(self) -> bool:
        return self.check is not None

    def python_needed(self) -> tuple[int, int] | None:
        if self.min_python is None:
            return None
        major, minor = self.min_python.split(".")
        return int(major), int(minor)

    def globs(self) -> list[str]:
        if self.applies_to:
            return list(self.applies_to)
        return ["**/*.py"] if self.scope is Scope.code else ["**"]


class PinnedPackage(_Strict):
    package: str = Field(description="The PyPI name, or `python` for the interpreter.")
    minimum: str = Field(description="The lowest version the practices assume.")
    tested_with: str = Field(description="The newest version the practices were checked against.")
    why: str = Field(min_length=5, description="What needs that minimum.")


class BannedPackage(_Strict):
    package: str = Field(description="The PyPI name.")
    reason: str = Field(min_length=5, description="Why not to depend on it.")
    replacement: str = Field(description="What to use instead.")
    rule: str = Field(pattern=RULE_ID_PATTERN, description="The rule that reports it.")


class Matrix(_Strict):
    """The version matrix: minimum and tested-with versions, and packages not to use."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"$id": MATRIX_SCHEMA_ID, "title": "bp-rules version matrix"},
    )

    packages: list[PinnedPackage] = Field(default_factory=list)
    banned: list[BannedPackage] = Field(default_factory=list)

    def merged_with(self, other: Matrix) -> Matrix:
        """This matrix with `other`'s entries replacing same-named ones (a user pack raising a minimum)."""
        packages = {p.package: p for p in self.packages} | {p.package: p for p in other.packages}
        banned = {b.package: b for b in self.banned} | {b.package: b for b in other.banned}
        return Matrix(packages=list(packages.values()), banned=list(banned.values()))

    def pinned(self, name: str) -> PinnedPackage | None:
        for entry in self.packages:
            if entry.package == name:
                return entry
        return None
