"""Checks of the `rest` rules (`rules/rest/`)."""
