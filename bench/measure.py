"""Timing and reporting for the benchmarks: medians of interleaved runs, percentiles, markdown tables."""
from __future__ import annotations

import statistics
import time
from typing import Callable, Sequence


def interleaved(subject: Callable[[], object], baseline: Callable[[], object], rounds: int,
                between: Callable[[], object] | None = None) -> tuple[float, float]:
    """Median seconds of each, run alternately so that drift and noise fall on both alike; `between` runs
    untimed after each pair (e.g. emptying a queue whose depth would slow later rounds)."""
    a, b = [], []
    for _ in range(rounds):
        a.append(_timed(subject))
        b.append(_timed(baseline))
        if between is not None:
            between()
    return statistics.median(a), statistics.median(b)


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def per_call(fn: Callable[[], object], calls: int) -> float:
    """Seconds per call, over `calls` back-to-back calls (for functions too fast to time one by one)."""
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def us(seconds: float) -> str:
    return f"{seconds * 1e6:.1f} µs"


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
