"""Checks of the `versions` rules (`rules/versions/`)."""
