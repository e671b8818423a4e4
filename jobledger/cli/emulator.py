"""`emulator`: the emulated AWS (DynamoDB, SQS) alone on a fixed port, with the tables, queues, inventory and
bootstrap admin made: what `chalice local --stage local` (.chalice/config.json: port 5000) and `worker` use."""
from __future__ import annotations

import argparse
import signal
import time
from typing import Any

from jobledger.cli.serve import PortInUse, ensure_port_free


def add_parser(sub: Any) -> None:
    emulator = sub.add_parser("emulator", help="run the emulated DynamoDB and SQS alone, ready for chalice local",
                              formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    emulator.add_argument("--host", default="127.0.0.1", help="address it listens on")
    emulator.add_argument("--port", type=int, default=5000, help="its port (the local stage's AWS_ENDPOINT_URL)")
    emulator.add_argument("--inventory", default=None,
                          help="inventory JSON file (none: the documentation's, jobledger/inventories/default.json)")
    emulator.add_argument("--data-dir", default=None, metavar="DIR",
                          help="journal every write in DIR and restore it on start (none: in memory)")
    emulator.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from chalicelib import settings
    from chalicelib.core.errors import JobledgerError
    from jobledger.datadir import DataDirUnusable
    from jobledger.emulator import Emulator
    from jobledger.local_restore import begin_import, recover
    from jobledger.workers import prepare_aws

    signals: list[int] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda number, _frame: signals.append(number))
    try:
        ensure_port_free(args.host, args.port, "--port 5001, and AWS_ENDPOINT_URL to match in the local stage")
        fresh_import = begin_import(args.data_dir) if args.data_dir else False
        emulator = Emulator(args.host, args.port, data_dir=args.data_dir).start(settings.load().events_table)
    except (PortInUse, JobledgerError, DataDirUnusable) as exc:
        print(f"jobledger emulator cannot start: {exc}", flush=True)
        return 1
    settings.use_emulator(emulator.url)
    if args.data_dir:
        recover(args.data_dir, emulator, fresh_import)
    admin = prepare_aws(args.inventory)
    print(f"emulated AWS (DynamoDB, SQS) at {emulator.url}: tables, queues, inventory and admin ready", flush=True)
    if admin and admin[2]:
        print(f"admin API key:    {admin[0]}\nadmin secret key: {admin[1]}\n(generated now and shown once; set "
              "JOBLEDGER_ADMIN_API_KEY and JOBLEDGER_ADMIN_SECRET_KEY to choose them)", flush=True)
    print(f"next: chalice local --stage local, and python -m jobledger worker --endpoint-url {emulator.url}",
          flush=True)
    while not signals:
        time.sleep(0.2)
    emulator.stop()
    return 0
