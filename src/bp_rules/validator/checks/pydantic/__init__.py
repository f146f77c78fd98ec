"""Checks of the `pydantic` rules (`rules/pydantic/`)."""
