"""Run bp-rules on public FastAPI codebases at pinned commits and set its findings against the review ledger.

    python benchmarks/real_world/review.py [--checkouts DIR] [--seed 1] [--per-rule 2] [--repo NAME ...]
        [--emit-unjudged FILE] [--counts FILE]

For each repository of manifest.toml the harness uses DIR/<owner>+<name> when --checkouts names a directory
holding it, or else fetches the pinned commit into a temporary directory (deleted afterwards). It runs
`bp-rules verify --format json --no-cache` from the repository root, draws a seeded sample of up to --per-rule
findings per rule per repository, and prints:
  - findings the ledger judges wrong that are still reported (anywhere, not only in the sample);
  - findings the ledger judges right that are no longer reported;
  - sampled findings nobody has judged yet, each with a code excerpt;
  - precision (right / (right + wrong)) per rule over the judged part of the sample.
--reports DIR reads bp-rules' output saved earlier (DIR/owner+name.json) instead of running it again.
--emit-unjudged writes the unjudged sample as ledger rows with an empty verdict: fill in verdict
(right | wrong | debatable) and a one-line reason, then append the rows to ledger.jsonl.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import tomllib
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks.real_world` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.real_world.findings import (
    Finding,
    compare,
    excerpt,
    findings_from_report,
    ledger_line,
    load_ledger,
    precision,
    precision_table,
    sample,
)

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "manifest.toml"
LEDGER = HERE / "ledger.jsonl"


def load_manifest(path: Path = MANIFEST) -> list[dict]:
    return tomllib.loads(path.read_text(encoding="utf-8"))["repo"]


@contextmanager
def checkout(repo: dict, checkouts: Path | None):
    """The repository's root at its pinned commit: a local checkout if there is one, else a temporary clone."""
    local = checkouts / repo["name"].replace("/", "+") if checkouts else None
    if local is not None and local.is_dir():
        yield local
        return
    with tempfile.TemporaryDirectory(prefix="bp-rules-review-") as tmp:
        root = Path(tmp) / "repo"
        url = f"https://github.com/{repo['name']}.git"
        for command in (
            ["git", "init", "-q", str(root)],
            ["git", "-C", str(root), "fetch", "-q", "--depth", "1", url, repo["commit"]],
            ["git", "-C", str(root), "checkout", "-q", "FETCH_HEAD"],
        ):
            subprocess.run(command, check=True)
        yield root


def run_bp_rules(root: Path) -> list[dict]:
    """bp-rules as a user runs it, from the repository root with no options but the machine-readable output."""
    command = [sys.executable, "-m", "bp_rules", "verify", "--format", "json", "--no-cache"]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True)
    if result.returncode not in (0, 1):
        raise RuntimeError(f"bp-rules failed in {root} (exit {result.returncode}): {result.stderr.strip()}")
    return json.loads(result.stdout or "[]")


def file_lines(root: Path):
    cache: dict[str, list[str]] = {}

    def lines_of(path: str) -> list[str]:
        if path not in cache:
            try:
                cache[path] = (root / path).read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                cache[path] = []
        return cache[path]

    return lines_of


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkouts", type=Path, help="directory of existing checkouts named owner+name")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-rule", type=int, default=2, help="findings drawn per rule per repository")
    parser.add_argument("--repo", action="append", default=[], help="only this repository (owner/name)")
    parser.add_argument("--ledger", type=Path, default=LEDGER)
    parser.add_argument("--emit-unjudged", type=Path, help="write the unjudged sample as ledger rows to fill in")
    parser.add_argument("--counts", type=Path, help="write findings per repository and rule as JSON")
    parser.add_argument(
        "--reports", type=Path, help="read bp-rules' JSON output from DIR/owner+name.json instead of running it"
    )
    args = parser.parse_args(argv)

    repos = [r for r in load_manifest() if not args.repo or r["name"] in args.repo]
    ledger = load_ledger(args.ledger)
    findings: list[Finding] = []
    readers = {}
    counts: dict[str, dict[str, int]] = {}
    for repo in repos:
        with checkout(repo, args.checkouts) as root:
            lines_of = file_lines(root)
            saved = args.reports / f"{repo['name'].replace('/', '+')}.json" if args.reports else None
            report = json.loads(saved.read_text(encoding="utf-8")) if saved else run_bp_rules(root)
            found = findings_from_report(repo["name"], repo["commit"], report, lines_of)
            for finding in found:  # read while the checkout exists, for the excerpts below
                lines_of(finding.path)
        readers[repo["name"]] = lines_of
        findings.extend(found)
        counts[repo["name"]] = dict(sorted(Counter(f.rule for f in found).items()))
        print(f"{repo['name']}@{repo['commit'][:12]}: {len(found)} findings", file=sys.stderr)

    drawn = sample(findings, args.per_rule, args.seed)
    result = compare(findings, drawn, ledger, {r["name"] for r in repos})

    print(f"# Judged wrong, still reported ({len(result.wrong_still_reported)})")
    for verdict, finding in result.wrong_still_reported:
        print(f"{finding.repo} {finding.path}:{finding.line} {finding.rule} -- {verdict.reason}")
    print(f"\n# Judged right, no longer reported ({len(result.right_vanished)})")
    for verdict in result.right_vanished:
        print(f"{verdict.repo} {verdict.path}:{verdict.line} {verdict.rule} -- {verdict.reason}")
    print(f"\n# Sampled, not judged yet ({len(result.unjudged)} of {len(drawn)} drawn)")
    for finding in result.unjudged:
        print(f"\n## {finding.repo} {finding.path}:{finding.line} {finding.rule}\n{finding.message}")
        print(excerpt(readers[finding.repo](finding.path), finding.line))
    print(f"\n# Precision over the judged sample (seed {args.seed}, {args.per_rule} per rule per repository)")
    print(f"{'rule':<48} {'right':>5} {'wrong':>5} {'debat':>5} {'prec':>5}")
    for rule, row in sorted(precision_table(result.judged).items(), key=lambda item: (item[0] == "ALL", item[0])):
        value = precision(row)
        shown = f"{value:.2f}" if value is not None else "-"
        print(f"{rule:<48} {row['right']:>5} {row['wrong']:>5} {row['debatable']:>5} {shown:>5}")

    if args.emit_unjudged:
        args.emit_unjudged.write_text("".join(ledger_line(f) + "\n" for f in result.unjudged), encoding="utf-8")
    if args.counts:
        args.counts.write_text(json.dumps(counts, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
