"""Load rule packs: YAML records validated against the published schema, with exact error locations.

Every problem becomes a `RecordError` naming the file, the line, the field path and the reason. YAML is
read with the safe loader only (no tags that build Python objects).
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from bp_rules import __version__
from bp_rules.schema import published_schema
from bp_rules.schema.models import Matrix, Rule

if TYPE_CHECKING:
    import yaml

# PyYAML is imported where records are read: a pack served from its JSON cache (every hook call) never needs it.

MATRIX_FILE = "matrix.yaml"


@dataclass(frozen=True, order=True)
class RecordError:
    path: str
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"{self.path}:{self.line}: {where}{self.reason}"


class PackError(Exception):
    """Raised when a pack has invalid records; carries every error found, not just the first."""

    def __init__(self, errors: list[RecordError]):
        self.errors = sorted(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


@dataclass
class Pack:
    rules: dict[str, Rule]
    matrix: Matrix
    sources: dict[str, Path] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        """A hash of every record, so caches keyed on it expire when any rule changes."""
        digest = hashlib.sha256()
        for rule_id in sorted(self.rules):
            digest.update(self.rules[rule_id].model_dump_json().encode())
        digest.update(self.matrix.model_dump_json().encode())
        return digest.hexdigest()[:16]

    def enabled(self) -> list[Rule]:
        return [r for r in self.rules.values() if r.enabled_by_default]

    def sorted_rules(self) -> list[Rule]:
        return sorted(self.rules.values(), key=lambda r: (r.category, r.id))


def builtin_rules_dir() -> Path:
    return Path(str(resources.files("bp_rules").joinpath("rules")))


# --- YAML with positions -------------------------------------------------------------------------------


class _Located:
    """The composed YAML node tree, used to find the line of a field path."""

    def __init__(self, node: yaml.Node | None):
        self.root = node

    def line_of(self, path: Iterable[Any]) -> int:
        node = self.root
        if node is None:
            return 1
        best = node.start_mark.line + 1
        for key in path:
            child = _child(node, key)
            if child is None:
                break
            node = child
            best = node.start_mark.line + 1
        return best

    def node_at(self, path: Iterable[Any]) -> yaml.Node | None:
        node = self.root
        for key in path:
            if node is None:
                return None
            node = _child(node, key)
        return node


def _child(node: yaml.Node, key: Any) -> yaml.Node | None:
    import yaml

    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == key:
                return v
    elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
        return node.value[key]
    return None


def _duplicate_keys(node: yaml.Node | None, prefix: tuple = ()) -> Iterator[tuple[tuple, yaml.Node]]:
    import yaml

    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for k, v in node.value:
            if k.value in seen:
                yield (*prefix, k.value), k
            seen.add(k.value)
            yield from _duplicate_keys(v, (*prefix, k.value))
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            yield from _duplicate_keys(v, (*prefix, i))


def _field_name(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _read_yaml(path: Path, shown: str) -> tuple[Any, _Located, list[RecordError]]:
    import yaml

    try:  # libyaml makes loading the pack several times faster; the pure-Python loader is the fallback
        from yaml import CSafeLoader as SafeLoader
    except ImportError:  # pragma: no cover - depends on how PyYAML was built
        from yaml import SafeLoader  # type: ignore[assignment]
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, _Located(None), [RecordError(shown, 1, "", f"cannot read the file: {exc}")]
    try:
        loader = SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc)
        return None, _Located(None), [RecordError(shown, line, "", f"malformed YAML: {problem}")]
    located = _Located(node)
    errors = [
        RecordError(shown, key_node.start_mark.line + 1, _field_name(p), "duplicate key")
        for p, key_node in _duplicate_keys(node)
    ]
    return data, located, errors


# --- validation ----------------------------------------------------------------------------------------


def _schema_errors(data: Any, kind: str, located: _Located, shown: str) -> list[RecordError]:
    import jsonschema  # only invalid records need it; importing it costs more than loading the pack

    validator = jsonschema.Draft202012Validator(published_schema(kind))
    errors = []
    for err in validator.iter_errors(data):
        path = list(err.absolute_path)
        reason = _reason(err)
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = set(err.schema.get("properties", {}))
            for extra in sorted(set(err.instance) - allowed):
                errors.append(
                    RecordError(shown, located.line_of([*path, extra]), _field_name([*path, extra]), "unknown field")
                )
            continue
        errors.append(RecordError(shown, located.line_of(path), _field_name(path), reason))
    return errors


def _reason(err) -> str:
    if err.validator == "oneOf" and err.context:
        from jsonschema.exceptions import best_match

        best = best_match(err.context)
        return best.message
    if err.validator == "enum":
        return f"{err.instance!r} is not one of {', '.join(map(str, err.validator_value))}"
    return err.message


def _pydantic_errors(exc: ValidationError, located: _Located, shown: str) -> list[RecordError]:
    errors = []
    for item in exc.errors():
        path = [p for p in item["loc"] if not (isinstance(p, str) and p in {"python", "import", "call"})]
        message = item["msg"].removeprefix("Value error, ")
        errors.append(RecordError(shown, located.line_of(path), _field_name(path), message))
    return errors


def _semantic_errors(rule: Rule, located: _Located, shown: str) -> list[RecordError]:
    """What the schema cannot say: names match the file, examples parse, marked lines exist."""
    errors = []
    if rule.category != rule.id.split("-", 1)[0]:
        errors.append(
            RecordError(shown, located.line_of(["category"]), "category", "must be the first segment of the id")
        )
    for kind in ("dont", "do"):
        for i, example in enumerate(getattr(rule.examples, kind)):
            base = ["examples", kind, i]
            parts = (
                [(f, [*base, "files", j]) for j, f in enumerate(example.files)]
                if example.files is not None
                else [(example.as_files()[0], base)]
            )
            for file, where in parts:
                errors.extend(_example_file_errors(rule, kind, file, where, located, shown))
            if kind == "dont" and rule.check is not None and not any(f.lines for f, _ in parts):
                errors.append(
                    RecordError(shown, located.line_of(base), _field_name(base), "a Don't example marks its `lines`")
                )
    return errors


def _example_file_errors(rule, kind, file, where, located: _Located, shown: str) -> list[RecordError]:
    errors = []
    code_line = _content_line(located.node_at([*where, "code"]))
    if file.path.endswith(".py"):
        try:
            ast.parse(file.code, filename=file.path)
        except SyntaxError as exc:
            line = code_line + (exc.lineno or 1) - 1
            errors.append(RecordError(shown, line, _field_name([*where, "code"]), f"not valid Python: {exc.msg}"))
    if kind == "do" and file.lines:
        errors.append(
            RecordError(
                shown,
                located.line_of([*where, "lines"]),
                _field_name([*where, "lines"]),
                "only Don't examples mark lines",
            )
        )
    count = len(file.code.splitlines())
    for n in file.lines:
        if n > count:
            errors.append(
                RecordError(
                    shown,
                    located.line_of([*where, "lines"]),
                    _field_name([*where, "lines"]),
                    f"line {n} is past the end of the code ({count} lines)",
                )
            )
    if Path(file.path).is_absolute() or ".." in Path(file.path).parts:
        errors.append(
            RecordError(
                shown,
                located.line_of([*where, "path"]),
                _field_name([*where, "path"]),
                "must be a relative path inside the project",
            )
        )
    return errors


def _content_line(node: yaml.Node | None) -> int:
    """The 1-based line where a scalar's text starts (block scalars start on the line after `|`)."""
    if node is None:
        return 1
    line = node.start_mark.line + 1
    return line + 1 if getattr(node, "style", None) in ("|", ">") else line


# --- loading -------------------------------------------------------------------------------------------


def load_record(path: Path, shown: str | None = None) -> tuple[Rule | None, list[RecordError]]:
    shown = shown or str(path)
    data, located, errors = _read_yaml(path, shown)
    if errors and data is None:
        return None, errors
    if not isinstance(data, dict):
        return None, [*errors, RecordError(shown, 1, "", "a rule record is a YAML mapping")]
    if isinstance(data.get("id"), str) and data["id"] != path.stem:
        errors.append(RecordError(shown, located.line_of(["id"]), "id", f"{data['id']!r} does not match the file name"))
    try:
        rule = Rule.model_validate(data)
    except ValidationError as exc:
        # the models mirror the schema (a test holds them together); the schema's errors read better and
        # carry exact paths, so report those, falling back to the model's where the schema says nothing
        schema_errors = _schema_errors(data, "rule", located, shown)
        return None, errors + (schema_errors or _pydantic_errors(exc, located, shown))
    errors += _semantic_errors(rule, located, shown)
    return (None if errors else rule), errors


def load_matrix(path: Path, shown: str | None = None) -> tuple[Matrix | None, list[RecordError]]:
    shown = shown or str(path)
    data, located, errors = _read_yaml(path, shown)
    if errors:
        return None, errors
    schema_errors = _schema_errors(data, "matrix", located, shown)
    if schema_errors:
        return None, schema_errors
    try:
        return Matrix.model_validate(data), []
    except ValidationError as exc:
        return None, _pydantic_errors(exc, located, shown)


def record_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*.yaml") if p.name != MATRIX_FILE)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _cache_file(directory: Path) -> Path | None:
    """Where a validated copy of a pack lives, keyed by the bytes of every record (JSON: loading runs no code)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    digest = hashlib.sha256(__version__.encode())
    try:
        for path in [*record_files(directory), directory / MATRIX_FILE]:
            if path.exists():
                digest.update(str(path.relative_to(directory)).encode() + b"\0" + path.read_bytes())
    except OSError:
        return None
    return Path(base) / "bp-rules" / f"pack-{digest.hexdigest()[:24]}.json"


def _load_cached(cache: Path | None, directory: Path):
    if cache is None or not cache.is_file():
        return None
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
        rules = {r["id"]: Rule.model_validate(r) for r in data["rules"]}
        sources = {rule_id: directory / rel for rule_id, rel in data["sources"].items()}
        matrix = Matrix.model_validate(data["matrix"]) if data["matrix"] is not None else None
    except (OSError, ValueError, KeyError, TypeError, ValidationError):
        return None
    return rules, sources, matrix, []


def _store_cached(cache: Path | None, directory: Path, rules, sources, matrix) -> None:
    if cache is None:
        return
    payload = {
        "rules": [r.model_dump(mode="json") for r in rules.values()],
        "sources": {rule_id: str(path.relative_to(directory)) for rule_id, path in sources.items()},
        "matrix": matrix.model_dump(mode="json") if matrix is not None else None,
    }
    with contextlib.suppress(OSError):
        cache.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(payload, out)
        os.replace(tmp, cache)


def load_dir(
    directory: Path, *, use_cache: bool = False
) -> tuple[dict[str, Rule], dict[str, Path], Matrix | None, list[RecordError]]:
    """Load every record of one pack directory, collecting all errors."""
    cache = _cache_file(directory) if use_cache and directory.is_dir() else None
    cached = _load_cached(cache, directory)
    if cached is not None:
        return cached
    rules: dict[str, Rule] = {}
    sources: dict[str, Path] = {}
    errors: list[RecordError] = []
    if not directory.is_dir():
        return rules, sources, None, [RecordError(str(directory), 1, "", "not a directory")]
    for path in record_files(directory):
        shown = _display(path)
        rule, problems = load_record(path, shown)
        errors += problems
        if rule is None:
            continue
        if rule.id in rules:
            errors.append(
                RecordError(shown, 1, "id", f"duplicate id {rule.id!r}, also in {_display(sources[rule.id])}")
            )
            continue
        rules[rule.id] = rule
        sources[rule.id] = path
    matrix = None
    matrix_path = directory / MATRIX_FILE
    if matrix_path.exists():
        matrix, problems = load_matrix(matrix_path, _display(matrix_path))
        errors += problems
    if not errors:
        _store_cached(cache, directory, rules, sources, matrix)
    return rules, sources, matrix, errors


def load_pack(extra_dirs: Iterable[Path] = (), *, builtin: bool = True) -> Pack:
    """The built-in pack plus user packs; a user record with a built-in id replaces it."""
    dirs = ([builtin_rules_dir()] if builtin else []) + [Path(d) for d in extra_dirs]
    rules: dict[str, Rule] = {}
    sources: dict[str, Path] = {}
    matrix: Matrix | None = None
    errors: list[RecordError] = []
    for directory in dirs:
        found, where, dir_matrix, problems = load_dir(directory, use_cache=True)
        errors += problems
        rules.update(found)
        sources.update(where)
        if dir_matrix is not None:
            matrix = dir_matrix if matrix is None else matrix.merged_with(dir_matrix)
    if errors:
        raise PackError(errors)
    return Pack(rules=rules, matrix=matrix or Matrix(packages=[]), sources=sources)
