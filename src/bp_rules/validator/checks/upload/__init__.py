"""Checks of the `upload` rules (`rules/upload/`)."""
