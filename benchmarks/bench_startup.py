"""Time how long `bp-rules` takes to start and answer, the way a user (or a pre-commit hook) runs it.

    python benchmarks/bench_startup.py [--repeat 7] [--bp-rules PATH]

Each command runs in a fresh process (wall clock, interpreter start-up included), in a scratch project of
one small FastAPI module:
  python       `python -c pass`: the floor any command pays
  --version    `bp-rules --version`
  rules list   `bp-rules rules list`
  verify cold  `bp-rules verify --no-cache app/main.py` (parse and check one file)
  verify warm  `bp-rules verify app/main.py` with the cache filled by a previous run
Prints the best and the median wall-clock time of --repeat runs, the best CPU time (user + system: what the
command itself costs, which a busy machine disturbs less than the wall clock), and each command's goal.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOALS = {"--version": 0.15, "rules list": 0.15, "verify cold": 0.5}
MODULE = """\
from fastapi import FastAPI

app = FastAPI()


@app.get("/items/{item_id}")
async def read_item(item_id: int) -> dict[str, int]:
    \"\"\"Read one item.\"\"\"
    return {"item_id": item_id}
"""
PYPROJECT = '[project]\nname = "demo"\nversion = "0.1.0"\n\n[tool.ruff]\nline-length = 100\n'


def _bp_rules(given: str | None) -> list[str]:
    if given:
        return [given]
    beside = Path(sys.executable).with_name("bp-rules")
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "bp_rules"]


def _time(argv: list[str], cwd: Path, repeat: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU (user + system) seconds of each run."""
    walls, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=cwd, capture_output=True, check=False)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--bp-rules", help="the command to time (default: the one installed beside this Python)")
    args = parser.parse_args()
    bp = _bp_rules(args.bp_rules)
    project = Path(tempfile.mkdtemp(prefix="bp-rules-startup-"))
    try:
        (project / "app").mkdir()
        (project / "app/main.py").write_text(MODULE, encoding="utf-8")
        (project / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
        subprocess.run([*bp, "verify", "app/main.py"], cwd=project, capture_output=True, check=False)  # fill caches
        commands = {
            "python": [sys.executable, "-c", "pass"],
            "--version": [*bp, "--version"],
            "rules list": [*bp, "rules", "list"],
            "verify cold": [*bp, "verify", "--no-cache", "app/main.py"],
            "verify warm": [*bp, "verify", "app/main.py"],
        }
        print(f"{'command':<12}  {'wall best':>9}  {'median':>7}  {'cpu best':>8}  goal (wall)")
        for name, argv in commands.items():
            walls, cpus = _time(argv, project, args.repeat)
            goal = GOALS.get(name)
            verdict = "" if goal is None else f"< {goal:.2f} s {'ok' if min(walls) < goal else 'MISSED'}"
            print(f"{name:<12}  {min(walls):>8.3f}s  {statistics.median(walls):>6.3f}s  {min(cpus):>7.3f}s  {verdict}")
    finally:
        shutil.rmtree(project, ignore_errors=True)


if __name__ == "__main__":
    main()
