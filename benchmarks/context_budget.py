"""What each agent loads per request from an export: files written, total bytes, and the bytes one request
that edits a router, a test and a migration loads (always-on files + the files attached to that path).

    python benchmarks/context_budget.py                      # export the built-in pack for the default layout
    python benchmarks/context_budget.py --project DIR        # export for DIR's settings, edit DIR's real files
    python benchmarks/context_budget.py --exported DIR       # measure files already exported into DIR

With `--project`, the edited paths are real files of the project (the first router module, test and
migration found); without, the typical paths of the layout (`Layout.samples`). Scoping is read back from each
file's frontmatter, as the agent reads it, so an export from any bp-rules version can be measured.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
from pathlib import Path

from bp_rules.agents import TARGETS
from bp_rules.agents.layout import Layout
from bp_rules.agents.loads import matches, total
from bp_rules.agents.target import Target
from bp_rules.validator.config import load_config

MEASURED = ["agents", "cursor", "copilot", "claude", "windsurf", "cline", "kiro", "skill"]
PLACES = {  # the directories (or single files) each target writes, for reading an export back
    "agents": ("AGENTS.md",),
    "cursor": (".cursor/rules/",),
    "copilot": (".github/copilot-instructions.md", ".github/instructions/"),
    "claude": ("CLAUDE.md", ".claude/rules/", ".claude/skills/", "AGENTS.md"),
    "windsurf": (".windsurf/rules/",),
    "cline": (".clinerules/",),
    "kiro": (".kiro/steering/",),
    "skill": (".agents/skills/",),
}
SKIP_DIRS = {".git", ".venv", "venv", "node_modules", ".bp-rules-cache", "__pycache__", ".tox"}


def read_export(root: Path, target: str) -> dict[str, str]:
    files = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_file() and any(relative == p or relative.startswith(p) for p in PLACES[target]):
            files[relative] = path.read_text(encoding="utf-8")
    if target == "claude" and "@AGENTS.md" not in files.get("CLAUDE.md", ""):
        files.pop("AGENTS.md", None)  # only loaded when CLAUDE.md imports it
    return files


def as_written(target: Target, files: dict[str, str]) -> dict[str, str]:
    """Managed files as their block body, which is what the load measurement expects."""
    from bp_rules.agents.writer import block_body

    return {p: (block_body(t) or t) if p in target.managed else t for p, t in files.items()}


def real_edits(project: Path, layout: Layout) -> dict[str, str]:
    """The first router module, test and migration of the project; for each, the globs in order of
    preference (a router module by name before a module in a router package)."""
    routers = layout.role_globs("router")
    wanted = {
        "router": [tuple(g for g in routers if "/**/" not in g), *((g,) for g in routers if "/**/" in g)],
        "test": [("tests/**/test_*.py",), ("**/tests/**/test_*.py", "**/test_*.py")],
        "migration": [tuple(f"{d}/versions/**/*.py" for d in layout.migrations_dirs)],
    }
    paths = [
        path.relative_to(project).as_posix()
        for path in sorted(project.rglob("*.py"))
        if not SKIP_DIRS & set(path.relative_to(project).parts) and path.name != "__init__.py"
    ]
    found = layout.samples()
    for kind, preferences in wanted.items():
        for globs in preferences:
            hit = next((p for p in paths if matches(globs, p) and (kind == "test" or "test" not in p)), None)
            if hit:
                found[kind] = hit
                break
    return {kind: found[kind] for kind in ("router", "test", "migration")}


def export(project: Path | None, into: Path) -> None:
    from bp_rules.cli import main

    if project is not None:
        pyproject = project / "pyproject.toml"
        if pyproject.is_file():
            (into / "pyproject.toml").write_text(pyproject.read_text(encoding="utf-8"), encoding="utf-8")
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(["export", "--target", "all", "--out", str(into)])
    if code not in (0, 1):
        raise SystemExit(f"export failed with exit code {code}")


def table(root: Path, edits: dict[str, str]) -> str:
    head = f"| Target | Files | Total bytes | {' | '.join(f'{k} edit' for k in edits)} |"
    lines = [head, "|" + "---|" * (3 + len(edits))]
    for name in MEASURED:
        target = TARGETS[name]
        files = read_export(root, name)
        if not files:
            continue
        sizes = [total(target, as_written(target, files), path) for path in edits.values()]
        written = sum(len(t.encode("utf-8")) for t in files.values())
        lines.append(f"| {name} | {len(files)} | {written:,} | {' | '.join(f'{s:,}' for s in sizes)} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", type=Path, help="a FastAPI project: its settings and its real files")
    parser.add_argument("--exported", type=Path, help="measure an existing export instead of exporting")
    args = parser.parse_args()
    project = args.project.resolve() if args.project else None
    layout = Layout.of(load_config(project)) if project else Layout()
    samples = layout.samples()
    edits = real_edits(project, layout) if project else {k: samples[k] for k in ("router", "test", "migration")}
    print("Edited: " + ", ".join(f"{k} `{v}`" for k, v in edits.items()), file=sys.stderr)
    if args.exported:
        print(table(args.exported.resolve(), edits))
        return
    with tempfile.TemporaryDirectory() as tmp:
        export(project, Path(tmp))
        print(table(Path(tmp), edits))


if __name__ == "__main__":
    main()
