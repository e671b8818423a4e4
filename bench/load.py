"""End-to-end load on the local stack (`python -m jobledger serve`, a subprocess on 127.0.0.1 only): N
concurrent signed clients deploy VMs until capacity is hit, then churn (destroy one, deploy again), with
stop/start on every VM they get; every job is polled to its end. Reports jobs/s, submit and query latency
percentiles against a bare request to the same server, and that no accepted job was lost.
Bounded: at most --max-jobs submissions and --max-seconds of submitting per run; it stops by itself.
Run: python -m bench.load [--clients 1,4,8]"""
from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import requests

from bench.measure import percentile, table
from chalicelib.cloudstack import signing

ROOT = Path(__file__).resolve().parents[1]
TWO_ZONES = ROOT / "jobledger" / "inventories" / "two-zones.json"
KEY, SECRET = "bench-load-admin-key", "bench-load-admin-secret"
# Polling backs off as real clients' does (first after 50 ms, then x1.5 up to 0.5 s): polls compete with the
# worker for the same emulator, so a fixed fast poll would mostly measure polling.
POLL_FIRST, POLL_MAX, JOB_TIMEOUT = 0.05, 0.5, 60.0


def start_stack(workers: int, inventory: Path | None) -> tuple[subprocess.Popen[str], str]:
    """The local stack as a user starts it; answers the process and its API URL (always on 127.0.0.1)."""
    cmd = [sys.executable, "-m", "jobledger", "serve", "--host", "127.0.0.1", "--port", "0",
           "--provision-seconds", "0", "--workers", str(workers)]
    if inventory is not None:
        cmd += ["--inventory", str(inventory)]
    env = {**os.environ, "JOBLEDGER_ADMIN_API_KEY": KEY, "JOBLEDGER_ADMIN_SECRET_KEY": SECRET}
    env.pop("AWS_ENDPOINT_URL", None)
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen = []
    assert process.stdout is not None
    for line in process.stdout:
        seen.append(line)
        if line.startswith("emulated AWS"):
            url = re.search(r"listening on (\S+)", "".join(seen))
            assert url and urlparse(url.group(1)).hostname == "127.0.0.1", seen
            threading.Thread(target=lambda: [None for _ in process.stdout or []], daemon=True).start()
            return process, url.group(1)
    process.kill()
    raise RuntimeError("the local stack did not start:\n" + "".join(seen))


def stop_stack(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


@dataclass
class Run:
    """What one run measured; lists are appended from client threads (atomic in CPython)."""

    max_jobs: int
    deadline: float
    submitted: int = 0
    submit_s: list[float] = field(default_factory=list)
    query_s: list[float] = field(default_factory=list)
    bare_s: list[float] = field(default_factory=list)
    jobs: dict[str, int] = field(default_factory=dict)  # jobid -> final jobstatus (0: never finished)
    ended_at: list[float] = field(default_factory=list)  # when each job was seen finished (perf_counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self) -> bool:
        """May one more job be submitted (within the count and the time allowed)?"""
        with self.lock:
            if self.submitted >= self.max_jobs or time.monotonic() > self.deadline:
                return False
            self.submitted += 1
            return True


class Client:
    """A signed CloudStack client of the stack (its own HTTP connection)."""

    def __init__(self, url: str, run: Run) -> None:
        self.url, self.run, self.http = url, run, requests.Session()

    def get(self, **params: str) -> tuple[int, dict[str, Any], float]:
        pairs = [*params.items(), ("response", "json"), ("apiKey", KEY)]
        pairs.append(("signature", signing.sign(signing.string_to_sign(pairs), SECRET)))
        start = time.perf_counter()
        reply = self.http.get(self.url, params=pairs, timeout=30)
        return reply.status_code, dict(next(iter(reply.json().values()))), time.perf_counter() - start

    def submit(self, **params: str) -> dict[str, Any] | None:
        status, body, seconds = self.get(**params)
        self.run.submit_s.append(seconds)
        if status != 200:
            self.run.outcomes[f"{params['command']} rejected {status}"] += 1
            return None
        self.run.jobs[str(body["jobid"])] = 0
        return body

    def wait(self, jobid: str) -> dict[str, Any]:
        """Poll the job to its end; record each query's latency."""
        limit, pause = time.monotonic() + JOB_TIMEOUT, POLL_FIRST
        while True:
            time.sleep(pause)
            status, body, seconds = self.get(command="queryAsyncJobResult", jobid=jobid)
            self.run.query_s.append(seconds)
            if status == 200 and body["jobstatus"] != 0 or time.monotonic() > limit:
                self.run.jobs[jobid] = int(body.get("jobstatus", 0))
                self.run.ended_at.append(time.perf_counter())
                return body
            pause = min(pause * 1.5, POLL_MAX)


@dataclass(frozen=True)
class Placement:
    zoneid: str
    templateid: str
    offeringid: str


def placements(client: Client) -> list[Placement]:
    """One (zone, template) per zone, with the largest offering, so capacity is reached within the run."""
    zones = client.get(command="listZones")[1]["zone"]
    templates = client.get(command="listTemplates", templatefilter="featured")[1]["template"]
    offerings = client.get(command="listServiceOfferings")[1]["serviceoffering"]
    largest = max(offerings, key=lambda o: int(o["cpunumber"]) * int(o["cpuspeed"]))
    out = []
    for zone in zones:
        template = next((t for t in templates if t.get("zoneid", zone["id"]) in (zone["id"], "-1")), None)
        if template is not None:
            out.append(Placement(zone["id"], template["id"], largest["id"]))
    return out


def command(client: Client, name: str, **params: str) -> dict[str, Any] | None:
    """Submit one job (if the run allows another) and poll it to its end; answer its final result."""
    if not client.run.take():
        return None
    job = client.submit(command=name, **params)
    if job is None:
        return {"jobstatus": -1}
    result = client.wait(str(job["jobid"]))
    outcome = "ok" if result["jobstatus"] == 1 else f"failed {result.get('jobresultcode')}"
    client.run.outcomes[f"{name} {outcome}"] += 1
    return {**result, "vmid": str(job.get("id", ""))}


def churn(client: Client, where: list[Placement], first: int) -> None:
    """Deploy (then stop and start each new VM) until a deploy fails for capacity; from then on destroy one
    held VM before each deploy. Ends when the run allows no more jobs."""
    held: list[str] = []
    full, turn = False, first
    while True:
        if full and held:
            if command(client, "destroyVirtualMachine", id=held.pop(0)) is None:
                return
        spot = where[turn % len(where)]
        turn += 1
        deployed = command(client, "deployVirtualMachine", zoneid=spot.zoneid, templateid=spot.templateid,
                           serviceofferingid=spot.offeringid)
        if deployed is None:
            return
        full = deployed["jobstatus"] == 2
        if deployed["jobstatus"] == 1:
            held.append(deployed["vmid"])
            for name in ("stopVirtualMachine", "startVirtualMachine"):
                if command(client, name, id=deployed["vmid"]) is None:
                    return


def probe(url: str, run: Run, stop: threading.Event) -> None:
    """The bare baseline: an unsigned request, refused (401) before any AWS call, through the same server."""
    http = requests.Session()
    while not stop.is_set():
        start = time.perf_counter()
        http.get(url, params={"command": "listZones", "response": "json"}, timeout=30)
        run.bare_s.append(time.perf_counter() - start)
        stop.wait(0.1)


@dataclass(frozen=True)
class Settings:
    clients: int
    max_jobs: int
    max_seconds: float
    workers: int
    inventory: Path | None


def run_once(s: Settings) -> dict[str, Any]:
    process, url = start_stack(s.workers, s.inventory)
    try:
        run = Run(s.max_jobs, time.monotonic() + s.max_seconds)
        where = placements(Client(url, run))
        stop = threading.Event()
        threads = [threading.Thread(target=churn, args=(Client(url, run), where, i)) for i in range(s.clients)]
        prober = threading.Thread(target=probe, args=(url, run, stop))
        started = time.perf_counter()
        for t in [*threads, prober]:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        stop.set()
        prober.join()
        return summarize(s, run, started, elapsed)
    finally:
        stop_stack(process)


def summarize(s: Settings, run: Run, started: float, elapsed: float) -> dict[str, Any]:
    finished = sum(1 for status in run.jobs.values() if status in (1, 2))
    bare = percentile(run.bare_s, 50)
    half = started + elapsed / 2
    early = sum(1 for t in run.ended_at if t <= half)
    return {"clients": s.clients, "accepted": len(run.jobs), "finished": finished,
            "lost": len(run.jobs) - finished, "seconds": elapsed, "jobs_per_s": finished / elapsed,
            "halves": (early / (elapsed / 2), (len(run.ended_at) - early) / (elapsed / 2)),
            "submit": (percentile(run.submit_s, 50), percentile(run.submit_s, 99)),
            "query": (percentile(run.query_s, 50), percentile(run.query_s, 99), len(run.query_s)),
            "bare": (bare, percentile(run.bare_s, 99)), "outcomes": dict(sorted(run.outcomes.items()))}


def describe(s: Settings) -> str:
    inventory = s.inventory.name if s.inventory else "default.json (5 Small Instances on one host)"
    return (f"`python -m jobledger serve --provision-seconds 0 --workers {s.workers}` with inventory {inventory}, "
            "one process: moto (DynamoDB requests served one at a time), Chalice's local server, worker threads. "
            "Each client deploys the largest offering until a deploy fails for capacity (551), stopping and "
            "starting every VM it gets, then destroys one VM before each deploy; every job is polled to its end "
            f"(first after {POLL_FIRST * 1000:.0f} ms, then 1.5x longer each time up to {POLL_MAX * 1000:.0f} ms). "
            f"At most {s.max_jobs} jobs or {s.max_seconds:.0f} s of submitting per run. Bare = an unsigned request "
            "the API refuses before any AWS call, sampled during the run from the same server.\n\n"
            "These are figures of the local stack, not of AWS: the whole stack is one Python process on the "
            "machine's cores, the emulator serves DynamoDB requests one at a time, and moto's Query cost grows "
            "with the table (STACK-NOTES), which is why the second half of each run is slower than the first and "
            "why more clients add latency rather than jobs/s.")


def report(results: list[dict[str, Any]], s: Settings) -> str:
    rows = [(r["clients"], r["accepted"], r["finished"], r["lost"],
             f"{r['jobs_per_s']:.1f} ({r['halves'][0]:.1f} / {r['halves'][1]:.1f})",
             f"{r['submit'][0] * 1000:.0f} / {r['submit'][1] * 1000:.0f}",
             f"{r['query'][0] * 1000:.0f} / {r['query'][1] * 1000:.0f}", f"{r['bare'][0] * 1000:.1f}",
             f"{r['submit'][0] / r['bare'][0]:.1f}", f"{r['query'][0] / r['bare'][0]:.1f}") for r in results]
    outcomes = "\n".join(f"- {r['clients']} clients, {r['seconds']:.0f} s, {r['query'][2]} polls: "
                         + ", ".join(f"{k} {v}" for k, v in r["outcomes"].items()) for r in results)
    header = ("clients", "accepted", "finished (1 or 2)", "lost", "jobs/s (1st / 2nd half)", "submit p50 / p99 ms",
              "query p50 / p99 ms", "bare p50 ms", "submit p50 / bare", "query p50 / bare")
    return (f"## End-to-end load (local stack)\n\n{describe(s)}\n\n{table(header, rows)}\n\n"
            f"Outcomes:\n{outcomes}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", default="1,4,8", help="comma-separated client counts, one run each")
    parser.add_argument("--max-jobs", type=int, default=300)
    parser.add_argument("--max-seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args(argv)
    inventory = TWO_ZONES if TWO_ZONES.exists() else None
    results = []
    for n in (int(c) for c in args.clients.split(",")):
        s = Settings(n, args.max_jobs, args.max_seconds, args.workers, inventory)
        print(f"load: {n} clients…", file=sys.stderr, flush=True)
        results.append(run_once(s))
    print(report(results, s))
    return 1 if any(r["lost"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
