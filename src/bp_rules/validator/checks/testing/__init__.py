"""Checks of the `testing` rules (`rules/testing/`)."""
