"""The built-in pack: every practice of the guide is a complete record, and the schema matches the models."""

from __future__ import annotations

from collections import Counter

from bp_rules.schema import generate_schema, published_schema
from bp_rules.schema.loader import load_pack
from bp_rules.validator.registry import FILE_CHECKS, PROJECT_CHECKS, load_builtin_checks

# The 86 practices of the guide, in the guide's order, with their canonical ids.
GUIDE_PRACTICES = [
    "structure-by-domain",
    "structure-src-root",
    "structure-routes-in-router",
    "structure-schemas-in-schemas",
    "structure-orm-in-models",
    "structure-settings-in-config",
    "structure-exceptions-in-exceptions",
    "structure-deps-in-dependencies",
    "structure-constants-module",
    "structure-logic-in-service",
    "structure-utils-non-business",
    "structure-external-client-module",
    "structure-global-modules",
    "structure-explicit-cross-domain-imports",
    "structure-no-star-imports",
    "structure-no-deep-cross-domain-imports",
    "structure-tests-mirror-domains",
    "structure-requirements-split",
    "structure-root-config-files",
    "structure-main-lifespan",
    "async-no-blocking-io-in-async-route",
    "async-sync-def-for-blocking-route",
    "async-await-async-io",
    "async-run-sync-sdk-in-threadpool",
    "async-threadpool-budget",
    "async-cpu-bound-offload",
    "pydantic-builtin-constraints",
    "pydantic-strenum",
    "pydantic-pep604-optional",
    "pydantic-constraint-default-conflict",
    "pydantic-v2-pattern",
    "pydantic-custom-base-model",
    "pydantic-no-json-encoders",
    "pydantic-no-v1-api",
    "pydantic-tz-explicit-datetimes",
    "pydantic-settings-per-domain",
    "pydantic-settings-import",
    "pydantic-settings-config",
    "pydantic-typed-settings",
    "pydantic-valueerror-in-validators",
    "deps-validate-in-dependencies",
    "deps-chain",
    "deps-no-direct-calls",
    "deps-prefer-async",
    "deps-annotated",
    "deps-annotated-alias",
    "rest-resource-paths",
    "rest-consistent-path-params",
    "serialization-no-double-validation",
    "serialization-validate-not-transform",
    "bg-tasks-short-and-droppable",
    "errors-no-blanket-except-in-route",
    "errors-domain-exceptions",
    "errors-chain-from",
    "auth-pyjwt-not-jose",
    "auth-catch-invalid-token",
    "docs-hidden-by-default",
    "docs-route-metadata",
    "docs-responses-for-variants",
    "db-naming-convention",
    "db-lower-snake-names",
    "db-singular-table-names",
    "db-module-prefix-tables",
    "db-consistent-fk-names",
    "db-datetime-at-suffix",
    "db-date-date-suffix",
    "db-sql-first",
    "db-sqlalchemy-async",
    "db-no-sync-session-in-async",
    "db-async-session-factory",
    "migrations-reversible",
    "migrations-static-structure",
    "migrations-descriptive-slug",
    "migrations-date-slug-template",
    "migrations-async-env",
    "testing-async-client-day0",
    "testing-no-async-asgi-testclient",
    "testing-asgitransport",
    "testing-dependency-overrides",
    "testing-clear-overrides",
    "testing-real-db",
    "tooling-ruff",
    "tooling-ruff-check-subcommand",
    "tooling-no-redundant-formatters",
    "versions-minimums",
    "versions-banned-packages",
]
ASKED_FOR_BY_USERS = [
    "structure-no-domain-import-cycles",
    "errors-registered-exception-handlers",
    "deps-shared-session",
    "tooling-project-file-parses",
]
OPT_IN = ["bg-no-bare-create-task", "upload-read-in-chunks", "pydantic-union-members-forbid-extra"]


def test_every_practice_has_a_record():
    pack = load_pack()
    assert len(GUIDE_PRACTICES) == 86
    expected = set(GUIDE_PRACTICES) | set(ASKED_FOR_BY_USERS) | set(OPT_IN)
    assert set(pack.rules) == expected


def test_origin_and_opt_in_flags():
    pack = load_pack()
    for rule_id in ASKED_FOR_BY_USERS:
        assert pack.rules[rule_id].origin.value == "issue"
    for rule_id in OPT_IN:
        assert pack.rules[rule_id].enabled_by_default is False
    assert all(pack.rules[r].enabled_by_default for r in GUIDE_PRACTICES)


def test_every_record_has_both_example_kinds_and_a_marked_dont():
    for rule in load_pack().rules.values():
        assert rule.examples.dont and rule.examples.do, rule.id
        for example in rule.examples.dont:
            assert any(f.lines for f in example.as_files()), f"{rule.id}: a Don't example marks no line"


def test_categories_are_id_prefixes_and_counts():
    pack = load_pack()
    counts = Counter(r.category for r in pack.rules.values())
    assert counts["structure"] == 21
    assert counts["async"] == 6
    assert counts["db"] == 11
    assert counts["migrations"] == 5
    assert all(r.id.startswith(r.category + "-") for r in pack.rules.values())


def test_matrix_lists_the_eleven_pins_and_the_banned_packages():
    matrix = load_pack().matrix
    names = {p.package for p in matrix.packages}
    assert names == {"python", "fastapi", "pydantic", "pydantic-settings", "sqlalchemy", "alembic", "httpx",
                     "pyjwt", "ruff", "pytest-asyncio", "asgi-lifespan"}  # fmt: skip
    assert {b.package for b in matrix.banned} == {"python-jose", "async-asgi-testclient", "databases"}
    pack = load_pack()
    assert all(b.rule in pack.rules for b in matrix.banned)


def test_published_schema_matches_the_models():
    for kind in ("rule", "matrix"):
        assert published_schema(kind) == generate_schema(kind), (
            f"{kind}.schema.json is stale: regenerate it with python -m bp_rules.schema"
        )


def test_schema_is_usable_by_editors():
    schema = published_schema("rule")
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith("rule.schema.json")
    assert schema["title"]
    assert all("description" in v or "$ref" in v for v in schema["properties"].values())


def test_checks_and_records_match_both_ways():
    load_builtin_checks()
    pack = load_pack()
    python_records = {r.id for r in pack.rules.values() if r.check is not None and r.check.kind == "python"}
    implemented = set(FILE_CHECKS) | set(PROJECT_CHECKS)
    assert python_records - implemented == set(), "records claim a python check that does not exist"
    assert implemented - set(pack.rules) == set(), "checks registered for rule ids with no record"
    assert implemented - python_records == set(), "checks whose record does not say kind: python"
