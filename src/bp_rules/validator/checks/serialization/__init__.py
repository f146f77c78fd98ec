"""Checks of the `serialization` rules (`rules/serialization/`)."""
