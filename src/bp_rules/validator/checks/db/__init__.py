"""Checks of the `db` rules (`rules/db/`)."""
