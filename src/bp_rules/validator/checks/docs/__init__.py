"""Checks of the `docs` rules (`rules/docs/`)."""
