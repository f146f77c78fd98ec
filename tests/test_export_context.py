"""What an agent loads per request from the scoped targets, the skill, and export following the project's
settings (`[tool.bp-rules]` and `[tool.bp-rules.export]`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bp_rules.agents import TARGETS
from bp_rules.agents import frontmatter as fm
from bp_rules.agents.content import select
from bp_rules.agents.layout import Layout
from bp_rules.agents.loads import loaded, total
from bp_rules.agents.skill import DESCRIPTION_LIMIT, NAME, NAME_LIMIT
from bp_rules.agents.target import LOAD_LIMIT
from bp_rules.schema.loader import load_pack
from bp_rules.validator.config import Config
from tests.export_helpers import run_export

SCOPED = ["cursor", "copilot", "claude", "windsurf", "cline", "kiro"]


@pytest.fixture(scope="module")
def builtin():
    return select(load_pack([]))


@pytest.fixture(scope="module")
def rendered(builtin):
    return {name: TARGETS[name].render(builtin) for name in [*SCOPED, "skill"]}


@pytest.mark.parametrize("target", SCOPED)
def test_a_request_loads_at_most_12_kib(target: str, builtin, rendered) -> None:
    files = rendered[target]
    for kind, edited in builtin.layout.samples().items():
        size = total(TARGETS[target], files, edited)
        assert size <= LOAD_LIMIT, f"{target}: editing {edited} ({kind}) loads {size} bytes"


@pytest.mark.parametrize("target", SCOPED)
def test_every_rule_is_in_some_file_and_in_the_skill(target: str, builtin, rendered) -> None:
    text = "\n".join(rendered[target].values())
    skill = "\n".join(rendered["skill"].values())
    for rule in builtin.rules:
        assert f"`{rule.id}`" in text, f"{target}: {rule.id} is in no file"
        assert f"`{rule.id}`" in skill


@pytest.mark.parametrize("target", SCOPED)
def test_files_attach_by_role(target: str, builtin, rendered) -> None:
    """A router edit loads the async rules, not the testing or migration rules; a test edit the reverse."""
    files = rendered[target]
    samples = builtin.layout.samples()
    router = " ".join(loaded(TARGETS[target], files, samples["router"]))
    test = " ".join(loaded(TARGETS[target], files, samples["test"]))
    migration = " ".join(loaded(TARGETS[target], files, samples["migration"]))
    assert "fastapi-async" in router and "fastapi-testing" not in router and "fastapi-migrations" not in router
    assert "fastapi-testing" in test and "fastapi-async." not in test
    assert "fastapi-migrations" in migration and "fastapi-testing" not in migration


@pytest.mark.parametrize("target", SCOPED)
def test_names_say_what_a_file_holds(target: str, rendered) -> None:
    for path in rendered[target]:
        name = path.rsplit("/", 1)[-1]
        assert not re.search(r"-\d+\.", name), path  # no numeric split suffixes


def test_layout_follows_the_configured_migrations_folder() -> None:
    layout = Layout.of(Config(migrations_dirs=("app/alembic",)))
    sel = select(load_pack([]), layout=layout)
    migrations = next(g for g in sel.groups() if g.name == "fastapi-migrations")
    assert "app/alembic/versions/**/*.py" in migrations.globs
    assert not any(g.startswith(("alembic/", "migrations/")) for g in migrations.globs)
    assert layout.samples()["migration"].startswith("app/alembic/versions/")


def test_a_role_names_a_module_and_a_package() -> None:
    globs = Layout().role_globs("router")
    assert "**/routes.py" in globs and "**/routes/**/*.py" in globs


def test_skill_frontmatter_limits(rendered) -> None:
    """The Agent Skills spec: name 1-64 chars of a-z0-9 and single hyphens, equal to the folder; a
    description of 1-1,024 chars; both plain YAML that a strict parser reads."""
    for root, files in (("", rendered["skill"]), ("", {p: t for p, t in rendered["claude"].items() if "skills/" in p})):
        skill_md = next(t for p, t in files.items() if p.endswith(f"{root}{NAME}/SKILL.md"))
        raw, body = fm.split(skill_md)
        data = yaml.safe_load(raw)
        assert set(data) == {"name", "description"}
        assert 1 <= len(data["name"]) <= NAME_LIMIT == 64
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", data["name"]) and data["name"] == NAME
        assert 1 <= len(data["description"]) <= DESCRIPTION_LIMIT == 1024
        assert len(body.splitlines()) < 500
        for link in re.findall(r"\]\((references/[a-z]+\.md)\)", body):
            assert any(p.endswith(f"{NAME}/{link}") for p in files), link


def test_commands_in_the_core_need_no_paths(rendered) -> None:
    for target in SCOPED:
        for text in rendered[target].values():
            for command in re.findall(r"`(bp-rules verify[^`]*)`", text):
                assert command in (
                    "bp-rules verify",
                    "bp-rules verify diff",
                    "bp-rules verify diff --staged",
                    "bp-rules verify --fix",
                    "bp-rules verify --fix --unsafe-fixes",
                ), command


# --- the project's settings ------------------------------------------------------------------------------


def _project(tmp_path: Path, toml: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(toml)
    return tmp_path


def test_export_follows_select_ignore_and_severity(tmp_path: Path) -> None:
    out = _project(
        tmp_path,
        '[tool.bp-rules]\nignore = ["structure", "docs"]\nseverity = { "deps-annotated" = "error" }\n',
    )
    assert run_export("-t", "agents", "-t", "copilot", "--out", str(out)).exit_code == 0
    agents = (out / "AGENTS.md").read_text()
    assert "`structure-" not in agents and "`docs-" not in agents
    assert "`deps-annotated` · error" in agents
    assert "`deps-annotated`:" in (out / ".github/copilot-instructions.md").read_text()  # now a must-know error
    assert not (out / ".github/instructions/fastapi-structure.instructions.md").exists()


def test_export_settings_name_the_targets_and_detail(tmp_path: Path) -> None:
    out = _project(tmp_path, '[tool.bp-rules.export]\ntargets = ["agents"]\ndetail = "full"\nbudget = "warn"\n')
    result = run_export("--out", str(out))
    assert result.exit_code == 0, result.output
    assert "## Quick reference" in (out / "AGENTS.md").read_text()
    assert sorted(p.name for p in out.iterdir()) == ["AGENTS.md", "pyproject.toml"]


def test_export_settings_errors_are_usage_errors(tmp_path: Path) -> None:
    out = _project(tmp_path, '[tool.bp-rules.export]\ntargets = ["nope"]\n')
    result = run_export("--out", str(out))
    assert result.exit_code == 2 and "unknown target nope" in result.output
    assert run_export("--out", str(_project(tmp_path, ""))).exit_code == 2  # no target anywhere


def test_export_follows_the_migrations_folder(tmp_path: Path) -> None:
    out = _project(tmp_path, '[tool.bp-rules]\nmigrations-dirs = ["app/alembic"]\n')
    assert run_export("-t", "cursor", "--out", str(out)).exit_code == 0
    text = (out / ".cursor/rules/fastapi-migrations.mdc").read_text()
    assert "globs: app/alembic/env.py,app/alembic/versions/**/*.py" in text
