"""`@backs(rule_id)`: ties a fact test to the rule whose claim it demonstrates.

An unknown rule id fails at import, so a renamed or retired rule cannot leave a fact test pointing nowhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from bp_rules.schema.loader import load_pack

RULE_IDS = {rule.id for rule in load_pack().sorted_rules()}

F = TypeVar("F", bound=Callable[..., object])


def backs(rule_id: str) -> Callable[[F], F]:
    if rule_id not in RULE_IDS:
        raise LookupError(f"fact test names unknown rule {rule_id!r}")

    def mark(test: F) -> F:
        test.backs = rule_id  # type: ignore[attr-defined]
        return test

    return mark
