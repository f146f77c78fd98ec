"""Checks of the `migrations` rules (`rules/migrations/`)."""
