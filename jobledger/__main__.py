"""`python -m jobledger serve|emulator|worker|keys|sign|wait|audit …`: each subcommand lives in its own module.
A mistake a user can fix is one line on stderr and a non-zero exit, never a traceback."""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from jobledger.cli.target import CliError, explain_aws_error

SUBCOMMANDS = {
    "serve": "jobledger.cli.serve",
    "emulator": "jobledger.cli.emulator",
    "worker": "jobledger.cli.worker",
    "keys": "jobledger.cli.keys",
    "sign": "jobledger.cli.sign",
    "wait": "jobledger.cli.wait",
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
    try:
        status = int(args.run(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return status
    except BrokenPipeError:  # `… | head` stopped reading: quiet, as other Unix tools, and no flush at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a tool killed by it
    except KeyboardInterrupt:
        return 130
    except CliError as exc:
        print(f"jobledger {args.command}: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        line = explain_aws_error(exc)
        if line is None:
            raise
        print(f"jobledger {args.command}: {line}", file=sys.stderr)
        return 2


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
