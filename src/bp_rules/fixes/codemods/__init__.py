"""One module per family of codemods; importing them registers each under its rule id."""

from bp_rules.fixes.codemods import dependencies, errors, pydantic, testing  # noqa: F401
