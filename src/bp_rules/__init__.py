"""bp-rules: FastAPI best practices as rule records, exported for coding agents and verified in code."""

# the one place the version is written: the build reads it from here ([tool.hatch.version] in pyproject.toml),
# so that `bp-rules --version` needs no package metadata lookup (importlib.metadata costs more than the CLI)
__version__ = "0.1.0"
