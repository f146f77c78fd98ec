"""Checks of the `errors` rules (`rules/errors/`)."""
