"""Checks of the `structure` rules (`rules/structure/`)."""
