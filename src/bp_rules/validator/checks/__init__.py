"""Python checks, one module per family; importing this package registers them all."""

from bp_rules.validator.checks import async_io, dependencies, errors, pydantic_models, serialization  # noqa: F401
