"""What the Do examples import, and a second environment with the version matrix's minimums to import it in.

The examples are parsed, never run: only `import` statements are read. The minimums environment is a
virtualenv made with the matrix's minimum Python and `pip install PACKAGE==MINIMUM` for every pinned
package; it is built once per set of pins (its directory name carries their digest) next to the running
interpreter's environment, so a fresh `.venv` builds it on the first test run and reuses it afterwards.
"""

from __future__ import annotations

import ast
import hashlib
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bp_rules.schema.loader import Pack
from bp_rules.schema.models import Example

# Where the examples' own project lives: imports of these are the example's files, not libraries.
FIRST_PARTY = frozenset({"src", "app", "blog", "tests"})

# Third-party SDKs the examples call to show a practice; the pack makes no claim about their versions, so
# they are outside the matrix and not installed by the test extra.
# Those the test extra installs anyway (pytest, bcrypt for the facts) are still imported at their installed version.
UNPINNED = frozenset({"aiofiles", "bcrypt", "boto3", "redis", "stripe", "typer", "uvicorn", "pytest", "pytest_mock"})

# Import names of the matrix's PyPI packages, where they differ from the package name.
IMPORT_NAMES = {"pyjwt": "jwt", "pydantic-settings": "pydantic_settings", "pytest-asyncio": "pytest_asyncio",
                "asgi-lifespan": "asgi_lifespan"}  # fmt: skip


@dataclass(frozen=True, order=True)
class Imported:
    module: str  # `sqlalchemy.ext.asyncio`
    name: str  # `AsyncSession`, or "" for `import module`
    where: str  # `rule-id do[0] path`


def import_name(package: str) -> str:
    return IMPORT_NAMES.get(package, package.replace("-", "_"))


def do_python_files(pack: Pack):
    """(rule id, example index, example, path, code) for every Python file of every Do example."""
    for rule in pack.sorted_rules():
        for i, example in enumerate(rule.examples.do):
            for file in example.as_files():
                if file.path.endswith(".py"):
                    yield rule.id, i, example, file.path, file.code


def absolute_imports(tree: ast.Module, where: str) -> list[Imported]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend(Imported(alias.name, "", where) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.extend(Imported(node.module, alias.name, where) for alias in node.names if alias.name != "*")
    return out


def top(module: str) -> str:
    return module.split(".", 1)[0]


def own_modules(example: Example) -> set[str]:
    """The top-level packages an example's files live in (`src`, `tests`, `alembic`...)."""
    return {Path(f.path).parts[0].removesuffix(".py") for f in example.as_files()}


# --- importing ----------------------------------------------------------------------------------------

PROBE = """
import importlib, json, sys
missing = []
for module, name in json.load(sys.stdin):
    try:
        loaded = importlib.import_module(module)
        if name and not hasattr(loaded, name):
            importlib.import_module(module + "." + name)
    except Exception as exc:
        missing.append([module, name, type(exc).__name__ + ": " + str(exc)[:200]])
print(json.dumps(missing))
"""


def missing_names(python: str | Path, names: set[tuple[str, str]]) -> list[list[str]]:
    """The (module, name, error) of every name that does not import with that interpreter."""
    result = subprocess.run(
        [str(python), "-c", PROBE],
        input=json.dumps(sorted(names)),
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return json.loads(result.stdout)


# --- the minimums environment --------------------------------------------------------------------------


def minimum_pins(pack: Pack) -> tuple[str, list[str]]:
    """(the minimum Python, `package==minimum` for every other matrix package)."""
    python = pack.matrix.pinned("python")
    pins = [f"{p.package}=={p.minimum}" for p in pack.matrix.packages if p.package != "python"]
    return (python.minimum if python else ""), sorted(pins)


def minimum_interpreter(version: str) -> str | None:
    if version and f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        return sys.executable
    return shutil.which(f"python{version}")


def minimums_environment(pack: Pack) -> Path:
    """The minimums environment's Python, built on first use; raises when it cannot be built."""
    version, pins = minimum_pins(pack)
    interpreter = minimum_interpreter(version)
    if interpreter is None:
        raise RuntimeError(f"no python{version} on PATH to build the minimums environment with")
    digest = hashlib.sha256(json.dumps([version, pins]).encode()).hexdigest()[:12]
    home = Path(sys.prefix) / f"bp-rules-minimums-{digest}"
    python = home / "bin" / "python"
    if (home / "complete").exists():
        return python
    shutil.rmtree(home, ignore_errors=True)
    subprocess.run([interpreter, "-m", "venv", str(home)], check=True, capture_output=True, timeout=300)
    install = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *pins]
    done = subprocess.run(install, capture_output=True, text=True, timeout=1200, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"pip could not install the minimums {pins}:\n{done.stderr[-2000:]}")
    (home / "complete").write_text("\n".join(pins) + "\n")
    return python
