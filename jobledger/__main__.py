"""`python -m jobledger serve|keys|sign|audit …`: each subcommand lives in its own module."""
from __future__ import annotations

import argparse
import importlib
import logging
import sys

SUBCOMMANDS = {
    "serve": "jobledger.cli_serve",
    "keys": "jobledger.cli_keys",
    "sign": "jobledger.cli_sign",
    "redrive": "jobledger.cli_redrive",
    "inventory": "jobledger.cli_inventory",
    "audit": "jobledger.cli_audit",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jobledger")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in SUBCOMMANDS.values():
        importlib.import_module(module).add_parser(sub)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return int(args.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
