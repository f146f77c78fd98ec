"""Run a record's examples through the validator: each Don't fires the rule at its marked lines, each Do is
clean under every rule of its pack. `bp-rules rules validate` holds custom packs to what the test suite holds the
built-in pack to.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bp_rules.schema.loader import Pack, RecordError, _display, _read_yaml
from bp_rules.schema.models import Example, Rule
from bp_rules.validator.config import Config
from bp_rules.validator.engine import run
from bp_rules.validator.files import collect


def example_problems(pack: Pack, rules: list[Rule]) -> list[RecordError]:
    errors: list[RecordError] = []
    for rule in rules:
        source = pack.sources.get(rule.id)
        shown = _display(source) if source else rule.id
        located = _read_yaml(source, shown)[1] if source else None
        for kind in ("dont", "do"):
            for i, example in enumerate(getattr(rule.examples, kind)):
                if kind == "dont" and rule.check is None:
                    continue  # guidance only: nothing fires
                problem = _dont_problem(pack, rule, example) if kind == "dont" else _do_problem(pack, rule, example)
                if problem:
                    line = located.line_of(["examples", kind, i]) if located else 1
                    errors.append(RecordError(shown, line, f"examples.{kind}[{i}]", problem))
    return errors


def _findings(pack: Pack, example: Example, select: tuple[str, ...]):
    with tempfile.TemporaryDirectory(prefix="bp-rules-example-") as tmp:
        root = Path(tmp).resolve()
        for file in example.as_files():
            path = root / file.path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(file.code, encoding="utf-8")
        config = Config(root=root, select=select)
        return run(pack, config, collect([root], config), jobs=1, use_cache=False).findings


def _dont_problem(pack: Pack, rule: Rule, example: Example) -> str | None:
    expected = {(f.path, line) for f in example.as_files() for line in f.lines}
    got = {(f.path, f.line) for f in _findings(pack, example, (rule.id,)) if f.rule == rule.id}
    if got == expected:
        return None
    return f"the Don't example should fire {rule.id} at {_places(expected)}; it fires at {_places(got) or 'no line'}"


def _do_problem(pack: Pack, rule: Rule, example: Example) -> str | None:
    found = _findings(pack, example, ("all", rule.id))
    if not found:
        return None
    listed = ", ".join(f"{f.rule} at {f.path}:{f.line}" for f in found[:5])
    return f"the Do example should be clean under every rule of its pack; it fires {listed}"


def _places(places: set[tuple[str, int]]) -> str:
    return ", ".join(f"{path}:{line}" for path, line in sorted(places))
