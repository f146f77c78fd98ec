"""bp-rules: FastAPI best practices as rule records, exported for coding agents and verified in code."""

# The package's version, read from here by the build (pyproject.toml); a literal, because asking
# importlib.metadata costs every command, hooks included, ~0.1 s of imports before it starts.
__version__ = "0.1.0"
