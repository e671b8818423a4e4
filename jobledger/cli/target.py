"""Which AWS a command-line tool works against: AWS itself by default, the local stack with --endpoint-url."""
from __future__ import annotations

import argparse
import getpass
from typing import Any


def add_target_arguments(parser: Any) -> None:
    parser.add_argument("--endpoint-url", default=None,
                        help="DynamoDB/SQS endpoint, e.g. the emulator URL `serve` prints (default: AWS)")


def apply_target(args: argparse.Namespace) -> None:
    from chalicelib import settings

    if args.endpoint_url:
        settings.use_emulator(args.endpoint_url)


def operator_actor(tool: str) -> dict[str, str]:
    """How events made from the command line record who made them."""
    return {"operator": getpass.getuser(), "tool": tool}
