"""Checks of the `tooling` rules (`rules/tooling/`)."""
