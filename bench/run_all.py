"""`make bench`: every benchmark, each in its own interpreter (so none inherits another's clients or moto
state), its markdown gathered into bench/RESULTS.md with the command and the machine that produced it."""
from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ("bench.calls", "bench.overhead", "bench.fold_cost", "bench.coldstart", "bench.load")
RESULTS = ROOT / "bench" / "RESULTS.md"


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in _lines("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor() or "unknown CPU")
    memory = next((line.split()[1] for line in _lines("/proc/meminfo") if line.startswith("MemTotal")), "0")
    return (f"{os.cpu_count()} cores ({cpu}), {int(memory) / 2**20:.0f} GiB memory, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")


def _lines(path: str) -> list[str]:
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []


def revision() -> str:
    """The commit measured, and whether the work tree differed from it (read-only git)."""
    head = _git("rev-parse", "--short", "HEAD") or "unknown"
    return head + (" with uncommitted changes" if _git("status", "--porcelain") else "")


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


def run(module: str) -> tuple[str, float, int]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", module], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    return done.stdout, time.perf_counter() - start, done.returncode


def load_average() -> str:
    """Other work on the machine shows here: the ratios cancel much of it, absolute times do not."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def kept_sections(made: list[str]) -> list[str]:
    """The sections of the current RESULTS.md that these benchmarks do not make (the growth, restart and scale
    runs, written from their own scripts' output with their context): kept after the new ones, unchanged."""
    if not RESULTS.exists():
        return []
    titles = {s.splitlines()[0] for s in made if s.startswith("## ")}
    text = RESULTS.read_text(encoding="utf-8")
    old = ["## " + part for part in text.split("\n## ")[1:]]
    return [part.rstrip("\n") + "\n" for part in old if part.splitlines()[0] not in titles]


def main() -> int:
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load_before = load_average()
    sections, failed = [], []
    for module in BENCHMARKS:
        print(f"bench: {module}…", file=sys.stderr, flush=True)
        output, seconds, code = run(module)
        sections.append(output.strip() + f"\n\n_{module}: {seconds:.0f} s_\n")
        if code:
            failed.append(module)
    kept = kept_sections(sections)
    header = ("# Benchmark results\n\n"
              f"Produced by `make bench` (`python -m bench.run_all`) on {started}, revision {revision()}.\n"
              f"Machine: {machine()}. Load average (1, 5, 15 min) before: {load_before}; after: {load_average()}.\n"
              "Every figure is a ratio against a baseline measured in the same run, so machine noise cancels.\n"
              + (f"FAILED in this run (their sections below are earlier ones, if any): {', '.join(failed)}.\n"
                 if failed else "")
              + (f"Kept from earlier runs, not measured by this one (each says how it was made): "
                 f"{'; '.join(k.splitlines()[0][3:] for k in kept)}.\n" if kept else ""))
    RESULTS.write_text(header + "\n" + "\n".join([*sections, *kept]), encoding="utf-8")
    print(f"bench: wrote {RESULTS.relative_to(ROOT)}" + (f"; FAILED: {failed}" if failed else ""), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
