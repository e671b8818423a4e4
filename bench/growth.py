"""Does the local stack slow down as its log grows? N clients deploy VMs on one huge host and poll each job to
its end until --jobs jobs are finished; jobs/s per window of 200 finished jobs, and queryAsyncJobResult for
job 1 at the start and at the end. `--root` runs the stack of another checkout (e.g. a worktree of an older
revision) with this script's clients.

    .venv/bin/python -m bench.growth --clients 1,2,4 --jobs 3000
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.load import POLL_FIRST, POLL_MAX, Client, Run, start_stack, stop_stack
from bench.measure import table

WINDOW = 200
BIG_INVENTORY: dict[str, Any] = {
    "description": "One zone, one host with room for 100,000 Small Instances, a /14 guest network.",
    "zones": [{"id": "1", "name": "Bench 1", "networktype": "Advanced"}],
    "hosts": [{"id": "2", "name": "big-host", "zoneid": "1", "hypervisor": "XenServer", "cpunumber": 100000,
               "cpuspeed": 2000, "memory": 100000 * 1024}],
    "templates": [{"id": "1", "name": "CentOS", "displaytext": "CentOS", "zoneid": "1", "hypervisor": "XenServer",
                   "isfeatured": True, "ispublic": True, "isready": True}],
    "serviceofferings": [{"id": "1", "name": "Small Instance", "displaytext": "Small", "cpunumber": 1,
                          "cpuspeed": 500, "memory": 512}],
    "diskofferings": [],
    "networks": [{"id": "205", "name": "guest", "zoneid": "1", "cidr": "10.0.0.0/14", "gateway": "10.0.0.1",
                  "vlan": "295", "isdefault": True}],
}


@dataclass
class Growth:
    clients: int
    ended: list[float] = field(default_factory=list)  # perf_counter when each job was seen finished
    failed: int = 0
    busy: int = 0  # jobs submitted and not yet seen finished
    first_query_ms: float = 0.0
    last_query_ms: float = 0.0
    stack_cpu_s: float = 0.0  # CPU seconds of the stack's processes (serve and its children) while clients ran
    child_cpu_s: float = 0.0  # of which serve's children (the emulator's process)
    client_cpu_s: float = 0.0  # CPU seconds of this process (the clients) meanwhile
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average when the clients start and end
    stack_pid: int = 0
    window_cpu: list[float] = field(default_factory=list)  # the stack's CPU seconds at each window's end
    lock: threading.Lock = field(default_factory=threading.Lock)


def deploy_until(client: Client, growth: Growth, jobs: int) -> None:
    while True:
        with growth.lock:
            if len(growth.ended) + growth.busy >= jobs:
                return
            growth.busy += 1
        try:
            job = client.submit(command="deployVirtualMachine", zoneid="1", templateid="1", serviceofferingid="1")
            result = client.wait(str(job["jobid"])) if job else {"jobstatus": 2}
            with growth.lock:
                growth.ended.append(time.perf_counter())
                growth.failed += result["jobstatus"] != 1
                if growth.stack_pid and (len(growth.ended) - 1) % WINDOW == 0:
                    growth.window_cpu.append(tree_cpu_seconds(growth.stack_pid)[0])
        finally:
            with growth.lock:
                growth.busy -= 1


def query_p50(client: Client, jobid: str, rounds: int = 30) -> float:
    samples = [client.get(command="queryAsyncJobResult", jobid=jobid)[2] for _ in range(rounds)]
    return statistics.median(samples) * 1000


def run_once(clients: int, jobs: int, workers: int, inventory: Path) -> Growth:
    process, url = start_stack(workers, inventory)
    try:
        run = Run(max_jobs=10**9, deadline=float("inf"))
        growth = Growth(clients, stack_pid=process.pid)
        first = Client(url, run)
        job = first.submit(command="deployVirtualMachine", zoneid="1", templateid="1", serviceofferingid="1")
        assert job is not None, run.outcomes
        first.wait(str(job["jobid"]))
        growth.ended.append(time.perf_counter())
        growth.first_query_ms = query_p50(first, str(job["jobid"]))
        threads = [threading.Thread(target=deploy_until, args=(Client(url, run), growth, jobs)) for _ in range(clients)]
        growth.ended[0] = time.perf_counter()  # windows start when the clients do
        cpu, mine, load = tree_cpu_seconds(process.pid), time.process_time(), os.getloadavg()[0]
        growth.window_cpu = [cpu[0]]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        now = tree_cpu_seconds(process.pid)
        growth.stack_cpu_s, growth.child_cpu_s = now[0] - cpu[0], now[1] - cpu[1]
        growth.client_cpu_s = time.process_time() - mine
        growth.load = (load, os.getloadavg()[0])
        growth.last_query_ms = query_p50(first, str(job["jobid"]))
        return growth
    finally:
        stop_stack(process)


def tree_cpu_seconds(pid: int) -> tuple[float, float]:
    """User + system CPU seconds of a process and its live descendants so far, and of the descendants alone
    (Linux /proc)."""
    ticks, parents = os.sysconf("SC_CLK_TCK"), {}
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            stats[int(entry.name)], parents[int(entry.name)] = fields, int(fields[1])
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [p for p, pp in parents.items() if pp == parent and p not in tree]
        tree.update(children)
        frontier += children
    cpu = {p: (int(stats[p][11]) + int(stats[p][12])) / ticks for p in tree if p in stats}
    return sum(cpu.values()), sum(cpu.values()) - cpu.get(pid, 0.0)


def windows(growth: Growth) -> list[float]:
    """Jobs/s of each window of WINDOW finished jobs (the first window starts when the clients do)."""
    ended = sorted(growth.ended)
    return [WINDOW / (ended[i + WINDOW] - ended[i]) for i in range(0, len(ended) - WINDOW, WINDOW)]


def report(results: list[Growth], jobs: int, workers: int, label: str) -> str:
    rows = []
    for g in results:
        rates = windows(g)
        rows.append((g.clients, len(g.ended), g.failed, " · ".join(f"{r:.1f}" for r in rates),
                     f"{len(g.ended) / (max(g.ended) - min(g.ended)):.1f}", f"{rates[-1] / rates[0]:.2f}",
                     f"{g.first_query_ms:.1f} → {g.last_query_ms:.1f}",
                     "{:.0f} ({:.0f} / {:.0f}) / {:.0f}".format(*(s * 1000 / (len(g.ended) - 1) for s in (
                         g.stack_cpu_s, g.stack_cpu_s - g.child_cpu_s, g.child_cpu_s, g.client_cpu_s))),
                     " · ".join(f"{(b - a) * 1000 / WINDOW:.0f}" for a, b in itertools.pairwise(g.window_cpu)),
                     f"{g.load[0]:.1f} → {g.load[1]:.1f}"))
    header = ("clients", "jobs", "failed", f"jobs/s per window of {WINDOW} jobs", "jobs/s overall",
              "last ÷ first window", "queryAsyncJobResult job 1 p50 ms (start → end)",
              "CPU ms per job: stack (API+workers / emulator) / clients", "stack CPU ms per job per window",
              "load average (start → end)")
    return (f"{label}: `serve --provision-seconds 0 --workers {workers}`, one host with room for 100,000 VMs; "
            f"each client deploys and polls each job to its end (first poll after {POLL_FIRST * 1000:.0f} ms, "
            f"x1.5 up to {POLL_MAX * 1000:.0f} ms), {jobs} jobs a run.\n\n{table(header, rows)}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", default="1,4", help="comma-separated client counts, one run each")
    parser.add_argument("--jobs", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--root", default=None, help="run the stack of this checkout (default: this one)")
    parser.add_argument("--label", default="this revision")
    args = parser.parse_args(argv)
    if args.root:
        import bench.load

        bench.load.ROOT = Path(args.root).resolve()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        inventory = Path(tmp) / "big.json"
        inventory.write_text(json.dumps(BIG_INVENTORY))
        for n in (int(c) for c in args.clients.split(",")):
            print(f"growth: {n} clients, {args.jobs} jobs…", file=sys.stderr, flush=True)
            results.append(run_once(n, args.jobs, args.workers, inventory))
            print(report(results[-1:], args.jobs, args.workers, args.label), file=sys.stderr, flush=True)
    print(report(results, args.jobs, args.workers, args.label))
    return 0


if __name__ == "__main__":
    sys.exit(main())
