"""`make soak`: the randomized fault test at soak size (≥ 1,000 jobs) for several seeds, outside CI's time
budget: each seed in its own interpreter, with a larger timeout than CI's; prints a markdown table (seed, jobs,
accepted, refused, injected errors and kills, seconds, result) and exits 1 if any seed failed.
Usage: python -m bench.soak [--jobs N] [--seeds 3,7,11,…] [--timeout SECONDS]
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST = "tests/faults/test_randomized.py"
# The line the test prints: `545 accepted, 55 refused, faults {'errors': 160, 'kills': 31}`
FIGURES = re.compile(r"(\d+) accepted, (\d+) refused, faults \{'errors': (\d+), 'kills': (\d+)\}")


def run_seed(seed: int, jobs: int, timeout: int) -> dict[str, str]:
    env = dict(os.environ, JOBLEDGER_FAULT_JOBS=str(jobs), JOBLEDGER_FAULT_SEED=str(seed))
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", f"--timeout={timeout}", TEST],
                          cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seconds = time.perf_counter() - start
    found = FIGURES.search(done.stdout)
    accepted, refused, errors, kills = found.groups() if found else ("?",) * 4
    if done.returncode:
        sys.stderr.write(done.stdout[-4000:])
    return {"seed": str(seed), "jobs": str(jobs), "accepted": accepted, "refused": refused, "errors": errors,
            "kills": kills, "seconds": f"{seconds:.0f}", "result": "passed" if done.returncode == 0 else "FAILED"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--seeds", default="3,7,11,20261127")
    parser.add_argument("--timeout", type=int, default=3600, help="per seed (CI's pytest.ini says 120)")
    args = parser.parse_args(argv)
    columns = ("seed", "jobs", "accepted", "refused", "errors", "kills", "seconds", "result")
    print("| " + " | ".join(columns) + " |\n|" + "---|" * len(columns), flush=True)
    failed = 0
    for seed in (int(s) for s in args.seeds.split(",")):
        row = run_seed(seed, args.jobs, args.timeout)
        failed += row["result"] != "passed"
        print("| " + " | ".join(row[c] for c in columns) + " |", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
