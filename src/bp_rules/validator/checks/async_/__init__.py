"""Checks of the `async` rules (`rules/async/`)."""
