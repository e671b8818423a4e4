"""`serve`: the local stack in one process, until Ctrl-C or SIGTERM."""
from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
import time
from typing import Any


def add_parser(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run the API, workers and the emulated AWS services locally",
                           formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    serve.add_argument("--host", default="127.0.0.1", help="address the API listens on")
    serve.add_argument("--port", type=int, default=8080, help="the API's port")
    serve.add_argument("--workers", type=int, default=2, help="worker threads polling the queue")
    serve.add_argument("--provision-seconds", type=float, default=1.0,
                       help="simulated time the hypervisor takes per job (0 for none)")
    serve.add_argument("--inventory", default=None,
                       help="inventory JSON file (none: the documentation's, jobledger/inventories/default.json)")
    serve.add_argument("--allow-unsigned", action="store_true",
                       help="answer unsigned requests as the bootstrap admin (local stack only)")
    serve.add_argument("--rate-limit", type=int, default=0, help="requests per second per API key (0: off)")
    serve.add_argument("--data-dir", default=None, metavar="DIR",
                       help="keep jobs across restarts and crashes: every write is journaled in DIR (fsync'd before "
                            "its answer leaves) and restored on start; DIR/events.jsonl is exported on a clean stop "
                            "(none: jobs live in memory)")
    serve.add_argument("--log-format", choices=("text", "json"), default="text",
                       help="json: the deployed stage's JSON log lines and CloudWatch EMF metric lines on stdout")
    serve.set_defaults(run=run)


class PortInUse(Exception):
    """The API's port is taken (another `make run`?): said in one line."""


def ensure_port_free(host: str, port: int, another: str = "make run PORT=8081, serve --port 8081") -> None:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds: TIME_WAIT is no user
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise PortInUse(f"{host}:{port} is in use ({exc.strerror}): stop what listens there, or choose another "
                            f"port ({another})") from None


def run(args: argparse.Namespace) -> int:
    if args.log_format == "json":  # before the stack starts: telemetry reads the setting when first imported
        from chalicelib import settings

        settings.turn_telemetry_on()
    from jobledger import local

    # The handler only records the signal: taking a lock there (Event.set) can deadlock with the main thread
    # waiting on the same lock, which is exactly where a signal arrives.
    signals: list[int] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda number, _frame: signals.append(number))
    from chalicelib.core.errors import JobledgerError
    from jobledger.datadir import DataDirUnusable

    try:
        ensure_port_free(args.host, args.port)
        stack = local.start(args.host, args.port, workers=args.workers, provision_seconds=args.provision_seconds,
                            inventory_path=args.inventory, allow_unsigned=args.allow_unsigned,
                            rate_limit=args.rate_limit, data_dir=args.data_dir)
    except (JobledgerError, DataDirUnusable, PortInUse) as exc:  # the data dir cannot be restored, the port is taken
        print(f"jobledger cannot start: {exc}", flush=True)
        return 1
    if args.data_dir:
        print(f"jobs persist in {args.data_dir}: each write is on disk before its answer leaves", flush=True)
    else:
        print("jobs live in memory and are lost when the stack stops (keep them with --data-dir DIR)", flush=True)
    if stack.restored is not None:
        print(f"restored {stack.restored.events:,} events ({len(stack.restored.unfinished)} jobs unfinished) from "
              f"{stack.restored.source}", flush=True)
    print(f"jobledger listening on {stack.api_url}", flush=True)
    print(f"console at {stack.api_url.removesuffix('/client/api')}/console", flush=True)
    if stack.admin_keys and stack.admin_keys[2]:
        print(f"admin API key:    {stack.admin_keys[0]}", flush=True)
        print(f"admin secret key: {stack.admin_keys[1]}", flush=True)
        print("(generated now and shown once; set JOBLEDGER_ADMIN_API_KEY and JOBLEDGER_ADMIN_SECRET_KEY to choose "
              "them)", flush=True)
    print(f"emulated AWS (DynamoDB, SQS) at {stack.emulator_url}", flush=True)
    print("try, with the admin keys in CLOUDSTACK_KEY / CLOUDSTACK_SECRET:", flush=True)
    python = os.path.relpath(sys.executable) if sys.executable.startswith(os.getcwd()) else sys.executable
    cs = os.path.join(os.path.dirname(python), "cs")
    print(f"  CLOUDSTACK_ENDPOINT={stack.api_url} {cs} deployVirtualMachine zoneid=1 serviceofferingid=1 templateid=1",
          flush=True)
    print(f"  curl \"$({python} -m jobledger sign --url {stack.api_url} command=listZones)\"", flush=True)
    while not signals:
        time.sleep(0.2)
    print("jobledger stopping", flush=True)
    stack.stop()
    if args.data_dir:
        print(f"saved the event log to {args.data_dir}/events.jsonl", flush=True)
    return 0
