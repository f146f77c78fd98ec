"""One project model: the same findings from wherever bp-rules runs, on every real layout.

Each layout below holds an async route that reaches `requests.get` through a helper in another module,
imported by the package's own name, so the finding exists only when module names, source roots and the
project's extent are all right. Every layout is verified from the repository root, from the project
directory and from a sub-directory (and with the route file's path), and must give identical findings.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bp_rules.validator.config import load_config
from bp_rules.validator.discovery import discover, find_project_root, lower_bound, module_name, parse_version
from tests.conftest import write_tree
from tests.verify_cli import PYPROJECT, use_session_pack, verify

RULE = "async-no-blocking-io-in-async-route"

ROUTE = """\
from fastapi import APIRouter

from {pkg}.service import load_rates

router = APIRouter()


@router.get("/rates")
async def rates():
    return load_rates()
"""
SERVICE = """\
import requests


def load_rates():
    return requests.get("https://rates.example.com").json()
"""


def _package(pkg: str, base: str) -> dict[str, str]:
    prefix = f"{base}/" if base else ""
    return {
        f"{prefix}{pkg}/__init__.py": "",
        f"{prefix}{pkg}/api/__init__.py": "",
        f"{prefix}{pkg}/api/routes.py": ROUTE.format(pkg=pkg),
        f"{prefix}{pkg}/service.py": SERVICE,
    }


WORKSPACE = '[tool.uv.workspace]\nmembers = ["backend", "worker"]\n\n[tool.ruff]\nline-length = 100\n'

LAYOUTS = {
    # name: (files, project directory, route file relative to the repository root)
    "src-layout": (
        {"pyproject.toml": PYPROJECT, **_package("shop", "src")},
        ".",
        "src/shop/api/routes.py",
    ),
    "package-under-root": (
        {"server/pyproject.toml": PYPROJECT, **_package("polarish", "server")},
        "server",
        "server/polarish/api/routes.py",
    ),
    "monorepo": (
        {
            "pyproject.toml": WORKSPACE,
            "frontend/package.json": "{}\n",
            "frontend/src/main.ts": "export {};\n",
            "backend/pyproject.toml": PYPROJECT,
            **_package("app", "backend"),
            "worker/pyproject.toml": PYPROJECT,
            **_package("worker", "worker"),
        },
        "backend",
        "backend/app/api/routes.py",
    ),
    "src-package": (
        {
            "pyproject.toml": PYPROJECT + '\n[tool.hatch.build.targets.wheel]\npackages = ["src/dispatchish"]\n',
            **_package("dispatchish", "src"),
        },
        ".",
        "src/dispatchish/api/routes.py",
    ),
    "app-in-backend": (
        {"backend/pyproject.toml": PYPROJECT, **_package("app", "backend"), "README.md": "demo\n"},
        "backend",
        "backend/app/api/routes.py",
    ),
}


@pytest.fixture
def cli_pack(monkeypatch, pack):
    use_session_pack(monkeypatch, pack)


def _findings(capsys, cwd: Path, *args: str) -> set[tuple[str, int, str]]:
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        head = [args[0]] if args[:1] == ("diff",) else []  # `verify diff` takes its options after `diff`
        outcome = verify(capsys, *head, "--no-cache", "--format", "json", *args[len(head) :])
    finally:
        os.chdir(previous)
    assert outcome.code in (0, 1), outcome.err
    return {(str((cwd / f["path"]).resolve()), f["line"], f["rule"]) for f in json.loads(outcome.out)}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_findings_do_not_depend_on_where_bp_rules_runs(tmp_path, capsys, cli_pack, layout):
    files, project_dir, route = LAYOUTS[layout]
    repo = tmp_path / "repo"
    write_tree(repo, files)
    (repo / ".git").mkdir()  # a repository root above the projects
    route_path = str((repo / route).resolve())

    from_root = _findings(capsys, repo)
    from_project = _findings(capsys, repo / project_dir)
    from_subdir = _findings(capsys, (repo / route).parent)
    given_file = _findings(capsys, repo, route)

    assert (route_path, 10, RULE) in from_root, sorted(from_root)

    def under(findings, directory: Path):
        return {f for f in findings if f[0].startswith(str(directory.resolve()) + os.sep)}

    assert under(from_root, repo / project_dir) == from_project
    assert under(from_root, (repo / route).parent) == from_subdir
    assert {f for f in from_root if f[0] == route_path} == given_file


def test_each_project_of_a_monorepo_is_checked_with_its_own_settings(tmp_path, capsys, cli_pack):
    files, _, _ = LAYOUTS["monorepo"]
    write_tree(tmp_path, files)
    (tmp_path / ".git").mkdir()
    with (tmp_path / "worker/pyproject.toml").open("a") as fh:
        fh.write(f'\n[tool.bp-rules]\nignore = ["{RULE}"]\n')
    found = _findings(capsys, tmp_path)
    assert any(f[0].endswith("backend/app/api/routes.py") and f[2] == RULE for f in found)
    assert not any("/worker/" in f[0] and f[2] == RULE for f in found)


def test_a_package_checked_from_its_parent_outside_any_project_resolves_its_own_imports(tmp_path, capsys, cli_pack):
    write_tree(tmp_path, _package("shop", ""))
    route = (tmp_path / "shop/api/routes.py").resolve()
    from_parent = _findings(capsys, tmp_path, "shop")
    from_inside = _findings(capsys, tmp_path / "shop")
    assert (str(route), 10, RULE) in from_parent
    assert from_parent == from_inside


def test_paths_print_relative_to_the_working_directory(tmp_path, capsys, cli_pack):
    files, _, _ = LAYOUTS["app-in-backend"]
    write_tree(tmp_path, files)
    (tmp_path / ".git").mkdir()
    previous = Path.cwd()
    os.chdir(tmp_path / "backend/app")
    try:
        outcome = verify(capsys, "--no-cache", "--select", RULE)
    finally:
        os.chdir(previous)
    assert outcome.out.startswith(f"api/routes.py:10:12: {RULE}")


# --- discovery, piece by piece -------------------------------------------------------------------------


def test_module_names_walk_up_through_init_files(tmp_path):
    write_tree(tmp_path, {**_package("shop", "src"), "tests/test_x.py": "", "scripts/seed.py": ""})
    assert module_name(tmp_path, "src/shop/api/routes.py") == "shop.api.routes"
    assert module_name(tmp_path, "src/shop/__init__.py") == "shop"
    assert module_name(tmp_path, "tests/test_x.py") == "tests.test_x"  # loose files keep distinct names
    write_tree(tmp_path, {"src/ns/mod.py": ""})  # a namespace package under an import root
    assert module_name(tmp_path, "src/ns/mod.py", ("src",)) == "ns.mod"


@pytest.mark.parametrize(
    ("pyproject", "tree", "roots", "imports"),
    [
        ('[tool.hatch.build.targets.wheel]\npackages = ["src/shop"]\n', ["src/shop"], ("src/shop",), ("src",)),
        ("[tool.setuptools.packages.find]\nwhere = [\"lib\"]\n", ["lib/shop"], ("lib/shop",), ("lib",)),
        ('[tool.setuptools]\npackage-dir = {"" = "lib"}\npackages = ["shop", "shop.api"]\n', ["lib/shop"],
         ("lib/shop",), ("lib",)),
        ('[tool.poetry]\npackages = [{ include = "shop", from = "src" }]\n', ["src/shop"], ("src/shop",), ("src",)),
        ("", ["src/shop", "src/other"], ("src/other", "src/shop"), ("src",)),  # the src layout
        ("", ["polar", "tests", "load_tests", "migrations"], ("polar",), ()),  # packages under the root
        ("", [], ("src", "app"), ()),  # nothing found: the defaults
    ],
)  # fmt: skip
def test_source_roots_come_from_the_build_configuration_or_the_tree(tmp_path, pyproject, tree, roots, imports):
    write_tree(tmp_path, {"pyproject.toml": pyproject, **{f"{d}/__init__.py": "" for d in tree}})
    layout = discover(tmp_path)
    assert layout.source_roots == roots
    assert layout.import_roots == imports


def test_configured_source_roots_override_discovery(tmp_path):
    write_tree(tmp_path, {"pyproject.toml": '[tool.bp-rules]\nsource-roots = ["lib"]\n', "polar/__init__.py": ""})
    config = load_config(tmp_path)
    assert config.source_roots == ("lib",)
    assert config.origins["source-roots"] == "[tool.bp-rules] source-roots"


@pytest.mark.parametrize(
    ("pyproject", "expected"),
    [
        ('[tool.bp-rules]\ntarget-version = "py39"\n[project]\nrequires-python = ">=3.12"\n', (3, 9)),
        ('[project]\nrequires-python = ">=3.10,<4"\n[tool.ruff]\ntarget-version = "py312"\n', (3, 10)),
        ('[tool.poetry.dependencies]\npython = "^3.10"\n', (3, 10)),
        ('[tool.ruff]\ntarget-version = "py312"\n', (3, 12)),
        ("", None),
    ],
)
def test_target_python_comes_from_settings_then_requires_python_then_ruff(tmp_path, pyproject, expected):
    write_tree(tmp_path, {"pyproject.toml": pyproject})
    assert load_config(tmp_path).target_version == expected


def test_version_parsing():
    assert parse_version("py310") == (3, 10)
    assert parse_version("3.12") == (3, 12)
    assert lower_bound("~=3.11") == (3, 11)
    assert lower_bound(">3.9") == (3, 9)  # 3.9.1 is greater than 3.9
    assert lower_bound("==3.13.*") == (3, 13)


def test_the_nearest_manifest_owns_a_file(tmp_path):
    write_tree(tmp_path, {"pyproject.toml": "", "backend/setup.cfg": "", "backend/app/x.py": ""})
    assert find_project_root(tmp_path / "backend/app/x.py") == (tmp_path / "backend").resolve()
    assert find_project_root(tmp_path / "README") == tmp_path.resolve()


def test_settings_are_inherited_from_the_nearest_ancestor_that_has_them(tmp_path):
    write_tree(
        tmp_path,
        {"pyproject.toml": '[tool.bp-rules]\nignore = ["docs"]\n', "backend/pyproject.toml": "[project]\nname='b'\n"},
    )
    assert load_config(tmp_path / "backend").ignore == ("docs",)


def test_verify_diff_from_a_project_directory_agrees_with_verify(tmp_path, capsys, cli_pack):
    import subprocess

    files, _, route = LAYOUTS["monorepo"]
    write_tree(tmp_path, files)

    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    git("-c", "user.email=a@b.c", "-c", "user.name=a", "commit", "-q", "--allow-empty", "-m", "start")
    backend = tmp_path / "backend"
    from_diff = _findings(capsys, backend, "diff")  # every file is new: the whole change is added lines
    from_verify = _findings(capsys, backend)
    assert (str((tmp_path / route).resolve()), 10, RULE) in from_diff
    assert {f for f in from_diff if "/backend/" in f[0]} == from_verify


def test_domain_rules_see_an_installed_src_package_by_its_import_name(tmp_path, pack):
    from tests.conftest import verify_tree

    write_tree(
        tmp_path,
        {
            "pyproject.toml": PYPROJECT + '\n[tool.hatch.build.targets.wheel]\npackages = ["src/shop"]\n',
            "src/shop/__init__.py": "",
            "src/shop/orders/__init__.py": "",
            "src/shop/orders/service.py": "from shop.billing import service as billing_service\n",
            "src/shop/billing/__init__.py": "",
            "src/shop/billing/service.py": "from shop.orders import service as orders_service\n",
        },
    )
    found = verify_tree(tmp_path, pack, select=("structure-no-domain-import-cycles",))
    assert found  # one finding per cycle
    assert {f.path for f in found} <= {"src/shop/orders/service.py", "src/shop/billing/service.py"}


def _app(name: str) -> dict[str, str]:
    """A domain split into role folders, as a container's apps are (`api/`, `schema/`, `service/`)."""
    return {
        f"backend/app/{name}/__init__.py": "",
        f"backend/app/{name}/api/__init__.py": "",
        f"backend/app/{name}/api/router.py": "from fastapi import APIRouter\n\nv1 = APIRouter()\n",
        f"backend/app/{name}/schema/__init__.py": "",
        f"backend/app/{name}/schema/item.py": "from pydantic import BaseModel\n\nItem = BaseModel\n",
        f"backend/app/{name}/service/__init__.py": "",
        f"backend/app/{name}/enums.py": "KINDS = ('a', 'b')\n",
    }


def test_a_container_of_domains_is_no_domain_its_children_are(tmp_path, pack):
    from tests.conftest import verify_tree

    write_tree(
        tmp_path,
        {
            "pyproject.toml": PYPROJECT,
            "backend/__init__.py": "",
            "backend/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "backend/app/__init__.py": "",
            "backend/app/router.py": "from backend.app.admin.api.router import v1\n",
            **_app("admin"),
            **_app("task"),
            "backend/app/task/service/run.py": "from backend.app.admin.service.audit import log\n",
            "backend/app/admin/service/audit.py": "from backend.app.task.service.run import run\n\nlog = print\n",
            "backend/middleware/__init__.py": "",
            "backend/middleware/auth.py": (
                "from backend.app.admin.enums import KINDS\nfrom backend.app.admin.schema.item import Item\n"
            ),
        },
    )
    select = ("structure-no-deep-cross-domain-imports", "structure-no-domain-import-cycles")
    found = {(f.rule, f.path, f.line): f.message for f in verify_tree(tmp_path, pack, select=select)}
    deep = "structure-no-deep-cross-domain-imports"
    # the container's own router and a domain's top-level module are no deep import; a role package's module is
    assert sorted((r, p, line) for r, p, line in found if r == deep) == [
        (deep, "backend/app/admin/service/audit.py", 1),
        (deep, "backend/app/task/service/run.py", 1),
        (deep, "backend/middleware/auth.py", 2),
    ]
    assert "domain `admin`'s internals" in found[(deep, "backend/middleware/auth.py", 2)]
    assert "from backend.app.admin import schema as admin_schema" in found[(deep, "backend/middleware/auth.py", 2)]
    cycles = [m for (r, _, _), m in found.items() if r == "structure-no-domain-import-cycles"]
    assert len(cycles) == 1 and "`admin -> task -> admin`" in cycles[0]
