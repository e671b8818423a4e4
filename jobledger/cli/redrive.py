"""`redrive`: move dead-lettered job messages back to the jobs queue, e.g. after a fix is deployed."""
from __future__ import annotations

import argparse
from typing import Any

from jobledger.cli.target import add_target_arguments, apply_target


def add_parser(sub: Any) -> None:
    redrive = sub.add_parser("redrive", help="move the DLQ's messages back to the jobs queue")
    redrive.add_argument("--limit", type=int, default=10_000)
    add_target_arguments(redrive)
    redrive.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    apply_target(args)
    from chalicelib.aws import queue

    print(f"moved {queue.redrive(args.limit)} messages from the dead-letter queue back to the jobs queue")
    return 0
