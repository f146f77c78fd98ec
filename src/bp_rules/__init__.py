"""bp-rules: FastAPI best practices as rule records, exported for coding agents and verified in code."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bp-rules")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"
