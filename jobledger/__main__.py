"""`python -m jobledger serve|keys|sign|audit …`: each subcommand lives in its own module."""
from __future__ import annotations

import argparse
import importlib
import logging
import sys

SUBCOMMANDS = {
    "serve": "jobledger.cli.serve",
    "keys": "jobledger.cli.keys",
    "sign": "jobledger.cli.sign",
    "redrive": "jobledger.cli.redrive",
    "inventory": "jobledger.cli.inventory",
    "audit": "jobledger.cli.audit",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jobledger")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in SUBCOMMANDS.values():
        importlib.import_module(module).add_parser(sub)
    args = parser.parse_args(attach_secret_values(sys.argv[1:] if argv is None else argv))
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return int(args.run(args) or 0)


# Options whose values are keys: a generated key or secret may start with `-`, which argparse would take
# for an option (`--key -abc` -> "expected one argument"); such a value is attached (`--key=-abc`).
KEY_OPTIONS = ("--key", "--secret")


def attach_secret_values(argv: list[str]) -> list[str]:
    out: list[str] = []
    items = iter(argv)
    for arg in items:
        if arg in KEY_OPTIONS:
            value = next(items, None)
            out.append(arg if value is None else f"{arg}={value}")
        else:
            out.append(arg)
    return out


if __name__ == "__main__":
    sys.exit(main())
