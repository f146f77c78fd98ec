"""Fixes: libcst codemods that rewrite what a finding points at, and the machinery that applies them."""
