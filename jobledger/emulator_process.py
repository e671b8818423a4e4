"""The local stack's emulator in a Python process of its own: `serve` runs moto (with the data dir's journal) in
a child, so that the CPU moto spends answering DynamoDB and SQS is not under the one GIL the API and worker
threads share. On two cores this is the local stack's largest throughput gain (bench/RESULTS.md, growth).

The child speaks on its stdin and stdout, one JSON object a line: it says its URL and what it restored (or why it
could not start), then answers `compact` and `stop`. It ignores SIGINT and SIGTERM (Ctrl-C, `timeout` and
service managers signal the whole process group: the parent decides when it stops, after its workers and its
last export), stops cleanly when its stdin closes, and dies with its parent (PR_SET_PDEATHSIG): a `serve` killed
with SIGKILL leaves no emulator holding the data dir.
"""
from __future__ import annotations

import argparse
import ctypes
import json
import os
import signal
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

from jobledger.journal import DataDirUnusable, Restored

PR_SET_PDEATHSIG = 1  # linux/prctl.h
STOP_TIMEOUT = 300.0  # seconds a clean stop may take: the last snapshot of a large data dir


class EmulatorFailed(Exception):
    """The emulator's process ended or answered something unexpected."""


class EmulatorProcess:
    """The parent's handle on the child: `ready()` once the child serves, then `url`, `restored`, `compact()`,
    `stop()`. Launched at construction, so the parent's own imports overlap the child's."""

    def __init__(self, data_dir: str | None, events_table: str, host: str = "127.0.0.1") -> None:
        cmd = [sys.executable, "-m", "jobledger.emulator_process", "--host", host, "--events-table", events_table,
               "--parent", str(os.getpid())]
        if data_dir is not None:
            cmd += ["--data-dir", str(data_dir)]
        self.process = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.url = ""
        self.restored: Restored | None = None

    def ready(self) -> EmulatorProcess:
        """Wait until the child serves; raises DataDirUnusable with its one-line reason if it cannot start."""
        hello = self._answer()
        if "error" in hello:
            self.process.wait(timeout=30)
            raise DataDirUnusable(hello["error"])
        self.url = hello["url"]
        self.restored = Restored(**hello["restored"]) if hello["restored"] is not None else None
        return self

    def compact(self) -> None:
        self._ask("compact")

    def stop(self) -> None:
        """A clean stop: the child writes its last snapshot and exits."""
        if self.process.poll() is None:
            try:
                self._ask("stop")
            except (EmulatorFailed, OSError):
                pass  # it stopped anyway (or died); wait below
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _ask(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        self._answer()

    def _answer(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise EmulatorFailed(f"the emulator's process ended (exit status {self.process.wait()})")
        answer: dict[str, Any] = json.loads(line)
        return answer


# The child.

def die_with_parent(parent: int) -> None:
    """Be killed when the parent dies (Linux); exit now if it already has."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: stdin's end still stops the child
        pass
    if os.getppid() != parent:
        os._exit(1)


def serve(args: argparse.Namespace, say: IO[str]) -> int:
    from jobledger.emulator import Emulator

    def tell(answer: dict[str, Any]) -> None:
        say.write(json.dumps(answer) + "\n")
        say.flush()

    try:
        emulator = Emulator(args.host, 0, data_dir=args.data_dir).start(args.events_table)
    except DataDirUnusable as exc:
        tell({"error": str(exc)})
        return 1
    restored = asdict(emulator.restored) if emulator.restored is not None else None
    tell({"url": emulator.url, "restored": restored})
    for line in sys.stdin:
        if line.strip() == "compact":
            emulator.compact()
            tell({"ok": True})
        elif line.strip() == "stop":
            break
    emulator.stop()
    tell({"stopped": True})
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jobledger.emulator_process")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--events-table", default="")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--parent", type=int, required=True)
    args = parser.parse_args(argv)
    die_with_parent(args.parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # Requests hop between the server's threads; hand the GIL over after 1 ms, as the API's process does.
    sys.setswitchinterval(0.001)
    say, sys.stdout = sys.stdout, sys.stderr  # stdout carries the answers only
    return serve(args, say)


if __name__ == "__main__":
    sys.exit(main())
