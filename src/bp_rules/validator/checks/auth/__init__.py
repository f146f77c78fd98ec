"""Checks of the `auth` rules (`rules/auth/`)."""
