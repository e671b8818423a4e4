"""Restart time of `serve --data-dir` with a log of 51,200 events (bench/replay.py's log: 3,200 VMs, 4 jobs each),
from a start command to the API answering: after a kill -9 with the whole log in the journal, after a clean stop
(snapshot only), and the replay rate of a journal of real job traffic, which bounds the worst case (a snapshot
plus a journal of COMPACT_AFTER records). Also the cost of one fdatasync'd journal append on this disk.

    .venv/bin/python -m bench.restart [--vms 3200]
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.load import KEY, SECRET, Client, Run
from bench.measure import table
from bench.replay import build_log
from jobledger.audit.jsonl import log_lines
from jobledger.datadir import COMPACT_AFTER
from jobledger.journal import Journal, Record

ROOT = Path(__file__).resolve().parents[1]


def serve(data_dir: Path) -> tuple[subprocess.Popen[str], float, str, str]:
    """Start the stack; answer the process, seconds until it listened, its `restored` line and its API URL."""
    cmd = [sys.executable, "-m", "jobledger", "serve", "--port", "0", "--provision-seconds", "0",
           "--data-dir", str(data_dir)]
    env = {**os.environ, "JOBLEDGER_ADMIN_API_KEY": KEY, "JOBLEDGER_ADMIN_SECRET_KEY": SECRET}
    env.pop("AWS_ENDPOINT_URL", None)
    started = time.perf_counter()
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    seen = []
    for line in process.stdout:
        seen.append(line)
        if line.startswith("jobledger listening on"):
            elapsed = time.perf_counter() - started
            threading.Thread(target=lambda: [None for _ in process.stdout or []], daemon=True).start()
            restored = next((s.strip() for s in seen if s.startswith("restored")), "nothing restored")
            return process, elapsed, restored, line.split()[-1]
    raise RuntimeError("the stack did not start:\n" + "".join(seen))


def kill(process: subprocess.Popen[str]) -> None:
    process.kill()
    process.wait()


def stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=300)


def job_traffic(url: str, jobs: int) -> None:
    """Deploys polled to their end by two clients: the journal then holds what real jobs write."""
    run = Run(jobs, float("inf"))

    def client() -> None:
        c = Client(url, run)
        while run.take():
            job = c.submit(command="deployVirtualMachine", zoneid="1", templateid="1", serviceofferingid="1")
            if job:
                c.wait(str(job["jobid"]))
    threads = [threading.Thread(target=client) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def journal_records(data_dir: Path) -> int:
    return sum(p.read_bytes().count(b"\n") for p in data_dir.glob("journal-*.log"))


def fsync_cost(directory: Path, rounds: int = 500) -> float:
    journal = Journal(directory / "journal-999999.log")
    record = Record("DynamoDB_20120810.TransactWriteItems", "x" * 1500, "bench", "us-east-1")
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        journal.wait_durable(journal.append(record))
        samples.append(time.perf_counter() - start)
    journal.close()
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--vms", type=int, default=3200)
    parser.add_argument("--jobs", type=int, default=300, help="real jobs whose journal replay is timed")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(dir=ROOT / "build" if (ROOT / "build").is_dir() else None) as tmp:
        data = Path(tmp) / "data"
        data.mkdir(mode=0o700)
        log = build_log(args.vms)
        events = sum(len(s) for s in log.values())
        with open(data / "events.jsonl", "w", encoding="utf-8") as out:
            out.writelines(line + "\n" for line in log_lines(log))
        process, seconds, restored, _ = serve(data)  # imports events.jsonl (an older version's data dir)
        rows.append(("first start: import events.jsonl (then snapshot)", f"{seconds:.1f}", restored))
        kill(process)
        process, seconds, restored, url = serve(data)
        rows.append(("after kill -9: snapshot", f"{seconds:.1f}", restored))
        job_traffic(url, args.jobs)
        records = journal_records(data)
        kill(process)
        process, seconds, restored, _ = serve(data)
        rows.append((f"after kill -9: snapshot + journal of {args.jobs} jobs", f"{seconds:.1f}", restored))
        replay_s = (seconds - float(rows[1][1])) / max(records, 1)
        stop(process)
        process, seconds, restored, _ = serve(data)
        rows.append(("after a clean stop: snapshot", f"{seconds:.1f}", restored))
        stop(process)
        fsync_s = fsync_cost(Path(tmp))
    worst = float(rows[3][1]) + COMPACT_AFTER * replay_s
    print(f"## Restart with a data dir ({events:,} events)\n\n"
          f"`serve --data-dir`, from the command to the API listening (imports, restore, re-queue, seeding, "
          f"compaction included).\n\n{table(('start', 'seconds', 'what serve printed'), rows)}\n\n"
          f"- journal replay of real job traffic: {records:,} records for {args.jobs} jobs, "
          f"**{replay_s * 1000:.2f} ms a record** ({re.sub(r'[^0-9.]', '', rows[2][1])} s − {rows[1][1]} s)\n"
          f"- worst case (compaction every {COMPACT_AFTER:,} records): snapshot + a full journal ≈ "
          f"**{worst:.0f} s**\n"
          f"- one journal append + fdatasync on this disk: **{fsync_s * 1000:.3f} ms** (median of 500)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
