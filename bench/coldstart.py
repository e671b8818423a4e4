"""Cold start: importing `app` (what a new Lambda container does first) against importing its dependencies
alone and against a bare interpreter, in fresh interpreters, interleaved; and our own modules' share of
`python -X importtime -c 'import app'`. Run: python -m bench.coldstart"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.measure import ms, table

ROOT = Path(__file__).resolve().parents[1]
DEPENDENCIES = ("boto3, botocore.config, chalice, lxml.etree, pynamodb.attributes, pynamodb.connection, "
                "pynamodb.exceptions, pynamodb.indexes, pynamodb.models, pynamodb.transactions")
PROGRAMS = {"bare interpreter": "pass", "dependencies alone": f"import {DEPENDENCIES}", "import app": "import app"}
ROUNDS = 9


def _env() -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "AWS_DEFAULT_REGION": "us-east-1"}


def wall_seconds(program: str, *flags: str) -> tuple[float, str]:
    """Seconds for a fresh interpreter to run `program`, and what it wrote to stderr."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *flags, "-c", program], cwd=ROOT, env=_env(), capture_output=True,
                          text=True, check=True)
    return time.perf_counter() - start, done.stderr


def import_times(stderr: str) -> dict[str, int]:
    """module -> self microseconds, from -X importtime's lines `import time: self | cumulative | name`."""
    out = {}
    for line in stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "self [us]" not in line:
            self_us, _, name = (part.strip() for part in line[len("import time:"):].split("|"))
            out[name] = int(self_us)
    return out


def is_ours(module: str) -> bool:
    return module == "app" or module.split(".")[0] in ("chalicelib", "jobledger")


def measure() -> dict[str, object]:
    wall: dict[str, list[float]] = {name: [] for name in PROGRAMS}
    for _ in range(ROUNDS):
        for name, program in PROGRAMS.items():
            wall[name].append(wall_seconds(program)[0])
    ours, pulled, total, top = [], [], [], {}
    for _ in range(ROUNDS):
        deps = set(import_times(wall_seconds(PROGRAMS["dependencies alone"], "-X", "importtime")[1]))
        times = import_times(wall_seconds("import app", "-X", "importtime")[1])
        ours.append(sum(t for m, t in times.items() if is_ours(m)))
        pulled.append(sum(t for m, t in times.items() if not is_ours(m) and m not in deps))
        total.append(sum(times.values()))
        top = {m: t for m, t in times.items() if is_ours(m)}
    return {"wall": {n: statistics.median(v) for n, v in wall.items()},
            "ours_us": statistics.median(ours), "pulled_us": statistics.median(pulled),
            "total_us": statistics.median(total), "top": sorted(top.items(), key=lambda kv: -kv[1])[:5]}


def report(r: dict[str, object]) -> str:
    wall = r["wall"]
    assert isinstance(wall, dict)
    bare, deps, app = wall["bare interpreter"], wall["dependencies alone"], wall["import app"]
    rows = [(name, ms(s), ms(s - bare)) for name, s in wall.items()]
    ours_us, total_us = float(r["ours_us"]), float(r["total_us"])  # type: ignore[arg-type]
    pulled_us = float(r["pulled_us"])  # type: ignore[arg-type]
    top = ", ".join(f"`{m}` {t / 1000:.1f} ms" for m, t in r["top"])  # type: ignore[attr-defined]
    return ("## Cold start (import)\n\nFresh interpreters, warm `.pyc`, median of "
            f"{ROUNDS} interleaved runs. Importing the app makes no AWS client and no AWS call "
            "(tests/deploy/test_coldstart.py); clients are made at first use.\n\n"
            + table(("program", "wall time", "above a bare interpreter"), rows)
            + f"\n\n- app import vs dependencies alone: **{app / deps:.2f}×** wall; our own share of the import "
            f"(above a bare interpreter) by wall time: **{(app - deps) / (app - bare):.0%}**.\n"
            f"- `-X importtime`: our modules' self time {ours_us / 1000:.1f} ms of {total_us / 1000:.1f} ms "
            f"(**{ours_us / total_us:.1%}**), plus {pulled_us / 1000:.1f} ms for standard-library modules only our "
            f"code imports ({(ours_us + pulled_us) / total_us:.1%} together). Largest of ours: {top}.\n")


def main() -> int:
    print(report(measure()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
