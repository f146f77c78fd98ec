"""Checks of the `bg` rules (`rules/bg/`)."""
