"""`worker`: the worker loops and the sweeper against any endpoint (the emulator, or AWS's queues and tables),
calling the handlers the Lambdas run; with `chalice local` this is the system `serve` runs in one process."""
from __future__ import annotations

import argparse
import signal
import threading
import time
from typing import Any

from jobledger.cli.target import add_target_arguments, apply_target


def add_parser(sub: Any) -> None:
    worker = sub.add_parser("worker", help="run the worker loops and the sweeper against an endpoint",
                            formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    worker.add_argument("--workers", type=int, default=2, help="worker loops polling the queue")
    worker.add_argument("--provision-seconds", type=float, default=1.0,
                        help="simulated time the hypervisor takes per job (0 for none)")
    worker.add_argument("--sweep-every", type=float, default=15.0, help="seconds between sweeper rounds")
    add_target_arguments(worker)
    worker.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from chalicelib import settings

    apply_target(args)  # the endpoint is checked: its tables must exist
    if args.endpoint_url:
        settings.configure_local(args.provision_seconds, allow_unsigned=False, rate_limit=0)
    from jobledger.workers import start_pollers

    signals: list[int] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda number, _frame: signals.append(number))
    stop = threading.Event()
    threads = start_pollers(stop, args.workers, args.sweep_every)
    print(f"jobledger worker: {args.workers} worker loops and the sweeper on "
          f"{args.endpoint_url or 'AWS'}'s jobs queue", flush=True)
    while not signals:
        time.sleep(0.2)
    stop.set()
    for thread in threads:
        thread.join(timeout=5)
    return 0
