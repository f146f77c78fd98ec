"""Time `bp-rules verify` side by side with the floors it is measured against, in one run, and print the ratios.

    python benchmarks/bench_verify.py /path/to/a/fastapi/project [--paths src] [--repeat 1]
    python benchmarks/bench_verify.py /path/to/project --big 2000 5000 10000 20000
    python benchmarks/bench_verify.py --big 2000 5000 10000 20000          the big-file table only

On a tree, each in a fresh process, one after the other:
  libcst parse   libcst.parse_module on every file the validator reads, one process (the parse alone, timed
                 inside the process: the floor a libcst-based check cannot go under)
  ast floor      CPython's ast.parse on the same files (files the running Python cannot parse are counted)
  cold -j1/-j2   `bp-rules verify --no-cache` with one and two processes: the whole process, start-up included
  warm           `bp-rules verify` again on the unchanged tree, the cache filled by a previous run
  ruff ALL       `ruff check --select ALL --no-cache` on the same paths, when ruff is installed
Each is printed in seconds (wall), as a ratio to the libcst parse and to ruff, with its CPU seconds.

Big files (--big N ...): one generated module of N trivial routes (5 lines each, so 20,000 routes are 100k
lines) in an empty project; `bp-rules verify --no-cache -j1` against libcst parsing that file, both as whole
processes, with their peak resident memory. Checking should stay linear: at most 3x the parse's time and 2x
its memory at every size.

--bp-rules PYTHON runs another build's `bp-rules` (its interpreter, e.g. a worktree's .venv/bin/python), to
compare two versions of the code in the same conditions.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

FLOOR_SNIPPET = """
import ast, json, sys, time, warnings
from pathlib import Path
from bp_rules.validator.config import find_project_root, load_config
from bp_rules.validator.files import collect
root = Path(sys.argv[1]); targets = [root / p for p in json.loads(sys.argv[2])]
config = load_config(find_project_root(targets[0]))
sources = [p.read_bytes() for _, p in collect(targets, config).python]
if sys.argv[3] == "libcst":
    import libcst
    parse = libcst.parse_module
else:
    warnings.simplefilter("ignore")
    parse = ast.parse
failed = 0
start, cpu = time.perf_counter(), time.process_time()
for data in sources:
    try:
        parse(data)
    except Exception:
        failed += 1
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({"seconds": elapsed, "cpu": cpu, "files": len(sources), "failed": failed,
                  "lines": sum(s.count(b"\\n") for s in sources)}))
"""

PARSE_FILE_SNIPPET = "import sys, libcst; libcst.parse_module(open(sys.argv[1], 'rb').read())"


@dataclass
class Run:
    seconds: float
    cpu: float  # user + system seconds: less inflated than wall time when the machine is busy
    maxrss_mb: float
    returncode: int
    stdout: str


def run(cmd: list[str], cwd: Path | None = None) -> Run:
    """Wall time and peak resident memory of one process (and the children it waited for)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr[-2000:]}")
    return Run(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode, stdout)


def verify(python: str, root: Path, paths: list[str], *flags: str) -> Run:
    """The default text report, as a user runs it (`--format json` adds each finding's fix, which parses again)."""
    return run([python, "-m", "bp_rules", "verify", *flags, *paths], cwd=root)


def _findings(report: str) -> str:
    found = re.search(r"^Found (\d+) finding", report, re.MULTILINE)
    return found.group(1) if found else "0"


def ruff_command() -> list[str] | None:
    beside = Path(sys.executable).with_name("ruff")
    found = str(beside) if beside.exists() else shutil.which("ruff")
    return [found] if found else None


def best(runs: list[Run]) -> Run:
    return min(runs, key=lambda r: r.seconds)


def _ratio(seconds: float, floor: float | None) -> str:
    return f"{seconds / floor:6.2f}x" if floor else "      -"


def tree_table(python: str, root: Path, paths: list[str], repeat: int) -> None:
    floor_args = [str(root), json.dumps(paths)]
    libcst_floor = [json.loads(run([python, "-c", FLOOR_SNIPPET, *floor_args, "libcst"]).stdout) for _ in range(repeat)]
    ast_floor = [json.loads(run([python, "-c", FLOOR_SNIPPET, *floor_args, "ast"]).stdout) for _ in range(repeat)]
    cold1 = best([verify(python, root, paths, "--no-cache", "-j1") for _ in range(repeat)])
    cold2 = best([verify(python, root, paths, "--no-cache", "-j2") for _ in range(repeat)])
    shutil.rmtree(root / ".bp-rules-cache", ignore_errors=True)
    verify(python, root, paths)  # fills the cache
    warm = best([verify(python, root, paths) for _ in range(repeat)])
    ruff = ruff_command()
    ruff_run = (
        best(
            [
                run([*ruff, "check", "--select", "ALL", "--no-cache", "--exit-zero", *paths], cwd=root)
                for _ in range(repeat)
            ]
        )
        if ruff
        else None
    )

    parse = min(r["seconds"] for r in libcst_floor)
    ast_s = min(r["seconds"] for r in ast_floor)
    ruff_s = ruff_run.seconds if ruff_run else None
    info = libcst_floor[0]
    findings = _findings(cold1.stdout)
    print(f"tree: {root} ({', '.join(paths)}), bp-rules from {python}")
    print(
        f"files: {info['files']}, lines: {info['lines']}, findings: {findings}, cpus: {os.cpu_count()}, "
        f"ast.parse rejects {ast_floor[0]['failed']} file(s), libcst {info['failed']}"
    )
    print(f"{'':34} {'wall s':>8} {'/ libcst':>8} {'/ ruff':>8} {'cpu s':>8} {'peak MB':>8}")
    rows = [
        ("bare libcst parse, 1 process", parse, min(r["cpu"] for r in libcst_floor), None),
        ("CPython ast.parse, 1 process", ast_s, min(r["cpu"] for r in ast_floor), None),
        ("verify --no-cache -j1 (process)", cold1.seconds, cold1.cpu, cold1.maxrss_mb),
        ("verify --no-cache -j2 (process)", cold2.seconds, cold2.cpu, cold2.maxrss_mb),
        ("verify, warm cache (process)", warm.seconds, warm.cpu, warm.maxrss_mb),
    ]
    if ruff_run:
        rows.append(("ruff check --select ALL, cold", ruff_run.seconds, ruff_run.cpu, ruff_run.maxrss_mb))
    for label, seconds, cpu, rss in rows:
        memory = f"{rss:8.0f}" if rss else ""
        ratios = f"{_ratio(seconds, parse):>8} {_ratio(seconds, ruff_s):>8}"
        print(f"{label:34} {seconds:8.2f} {ratios} {cpu:8.2f} {memory}")
    print()


ROUTE = """

@router.get("/items-{i}/{{item_id}}")
async def read_item_{i}(item_id: int) -> dict[str, int]:
    return {{"id": item_id, "n": {i}}}
"""


def big_file(routes: int) -> str:
    head = "from fastapi import APIRouter\n\nrouter = APIRouter()\n"
    return head + "".join(ROUTE.format(i=i) for i in range(routes))


def big_table(python: str, sizes: list[int]) -> None:
    print(f"one module of N trivial routes, bp-rules from {python}; whole processes, -j1, no cache")
    header = ("routes", 7), ("lines", 7), ("parse s", 8), ("verify s", 9), ("ratio", 6), ("cpu ratio", 9)
    print(" ".join(f"{name:>{width}}" for name, width in (*header, ("parse MB", 9), ("verify MB", 10), ("ratio", 6))))
    for routes in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            (root / "pyproject.toml").write_text('[project]\nname = "big"\nrequires-python = ">=3.11"\n')
            module = root / "app" / "routes.py"
            module.parent.mkdir()
            (module.parent / "__init__.py").write_text("")
            text = big_file(routes)
            module.write_text(text)
            parse = run([python, "-c", PARSE_FILE_SNIPPET, str(module)])
            checked = verify(python, root, ["app"], "--no-cache", "-j1")
        print(
            f"{routes:>7} {text.count(chr(10)):>7} {parse.seconds:8.2f} {checked.seconds:9.2f} "
            f"{checked.seconds / parse.seconds:5.2f}x {checked.cpu / parse.cpu:8.2f}x "
            f"{parse.maxrss_mb:9.0f} {checked.maxrss_mb:10.0f} "
            f"{checked.maxrss_mb / parse.maxrss_mb:5.2f}x"
        )
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", type=Path, nargs="?", help="the project to check (its root: where pyproject.toml is)")
    parser.add_argument("--paths", nargs="*", default=["."], help="what to check, relative to the root")
    parser.add_argument("--repeat", type=int, default=1, help="best of this many runs for each measurement")
    parser.add_argument("--big", type=int, nargs="*", default=[], metavar="N", help="big-file sizes, in routes")
    parser.add_argument("--in-place", action="store_true", help="measure the tree where it is, not a private copy")
    parser.add_argument(
        "--bp-rules", dest="python", default=sys.executable, help="the interpreter of the build to time"
    )
    args = parser.parse_args()
    if args.root is None and not args.big:
        parser.error("give a project root, --big sizes, or both")
    if args.root is not None and args.in_place:
        tree_table(args.python, args.root.resolve(), args.paths, args.repeat)
    elif args.root is not None:
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / args.root.resolve().name
            shutil.copytree(args.root, copy, symlinks=True, ignore=shutil.ignore_patterns(".bp-rules-cache", ".git"))
            print(f"(a private copy of {args.root.resolve()})")
            tree_table(args.python, copy, args.paths, args.repeat)
    if args.big:
        big_table(args.python, args.big)


if __name__ == "__main__":
    main()
