"""Time `bp-rules verify` against bare libcst parsing of the same files, and print the ratios.

    python benchmarks/bench_verify.py /path/to/a/fastapi/project [--paths src] [--repeat 3]

Each measurement runs in a fresh process, so imports and caches do not leak between them:
  parse      libcst.parse_module on every file the validator would read, one process
  cold x1    `bp-rules verify --no-cache -j1` (every enabled check, no cache), one process
  cold x2    the same with two worker processes
  warm       `bp-rules verify` again on the unchanged tree, with the cache filled by a previous run
Times are the best of --repeat runs (wall clock, including interpreter start-up for the CLI runs).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

PARSE_SNIPPET = """
import json, sys, time, resource
from pathlib import Path
import libcst as cst
from bp_rules.validator.config import find_project_root, load_config
from bp_rules.validator.files import collect
root = Path(sys.argv[1]); targets = [root / p for p in json.loads(sys.argv[2])]
config = load_config(find_project_root(targets[0]))
files = collect(targets, config)
sources = [p.read_bytes() for _, p in files.python]
start = time.perf_counter()
for data in sources:
    try:
        cst.parse_module(data)
    except Exception:
        pass
elapsed = time.perf_counter() - start
lines = sum(s.count(b"\\n") for s in sources)
print(json.dumps({"seconds": elapsed, "files": len(sources), "lines": lines,
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

ENGINE_SNIPPET = """
import json, sys, time, resource
from pathlib import Path
from bp_rules.schema.loader import load_pack
from bp_rules.validator.config import find_project_root, load_config
from bp_rules.validator.engine import run
from bp_rules.validator.files import collect
root = Path(sys.argv[1]); targets = [root / p for p in json.loads(sys.argv[2])]; jobs = int(sys.argv[3])
config = load_config(find_project_root(targets[0]))
pack = load_pack()
files = collect(targets, config)
import libcst  # imported before the clock starts, as in the parse measurement
from bp_rules.validator.registry import load_builtin_checks
load_builtin_checks()
start = time.perf_counter()
result = run(pack, config, files, jobs=jobs, use_cache=False)
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "findings": len(result.findings),
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _python(snippet: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", snippet, *args], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _cli(root: Path, paths: list[str], *flags: str) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bp_rules", "verify", "--format", "json", *flags, *paths],
        cwd=root,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"verify failed ({done.returncode}):\n{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", type=Path, help="the project to check (its root: where pyproject.toml is)")
    parser.add_argument("--paths", nargs="*", default=["."], help="what to check, relative to the root")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    root = args.root.resolve()
    paths = json.dumps(args.paths)
    best = lambda runs: min(runs)  # noqa: E731

    parse = [_python(PARSE_SNIPPET, str(root), paths) for _ in range(args.repeat)]
    engine1 = [_python(ENGINE_SNIPPET, str(root), paths, "1") for _ in range(args.repeat)]
    engine2 = [_python(ENGINE_SNIPPET, str(root), paths, "2") for _ in range(args.repeat)]
    cold1 = [_cli(root, args.paths, "--no-cache", "-j1") for _ in range(args.repeat)]
    cold2 = [_cli(root, args.paths, "--no-cache", "-j2") for _ in range(args.repeat)]
    shutil.rmtree(root / ".bp-rules-cache", ignore_errors=True)
    _cli(root, args.paths)  # fills the cache
    warm = [_cli(root, args.paths) for _ in range(args.repeat)]

    t_parse = best(r["seconds"] for r in parse)
    t_e1 = best(r["seconds"] for r in engine1)
    t_e2 = best(r["seconds"] for r in engine2)
    t_cold1, t_cold2, t_warm = best(cold1), best(cold2), best(warm)
    info = parse[0]
    print(f"tree: {root} ({', '.join(args.paths)})")
    print(f"files: {info['files']}, lines: {info['lines']}, findings: {engine1[0]['findings']}, cpus: {os.cpu_count()}")
    print(f"bare libcst parse, 1 process        {t_parse:7.2f} s   1.00x")
    print(f"verify engine, cold, 1 process      {t_e1:7.2f} s   {t_e1 / t_parse:.2f}x   (target <= 2.00x)")
    print(f"verify engine, cold, 2 processes    {t_e2:7.2f} s   {t_e2 / t_parse:.2f}x   (target < 1.00x)")
    print(f"bp-rules verify CLI, cold, -j1      {t_cold1:7.2f} s   {t_cold1 / t_parse:.2f}x")
    print(f"bp-rules verify CLI, cold, -j2      {t_cold2:7.2f} s   {t_cold2 / t_parse:.2f}x")
    print(f"bp-rules verify CLI, warm cache     {t_warm:7.2f} s   {t_warm / t_cold2:.1%} of cold -j2 (target <= 10%)")
    print(f"peak memory: parse {info['maxrss_mb']:.0f} MB, verify x1 {engine1[0]['maxrss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
