"""One progress line on stderr for every long wait of the command line: counting what was read (the audit) or
showing the state of what is awaited (a job). Rewritten in place on a terminal, a line every few seconds
elsewhere, so logs and pipes stay readable."""
from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


class Progress:
    """`<what>: 12,345 read in 2.9 s, 4,321/s` (`add`), or `<what>: <state>, 2.9 s` (`show`)."""

    def __init__(self, what: str, out: TextIO | None = None, every: float = 0.5) -> None:
        self.what, self.out = what, out or sys.stderr
        self.count, self.state = 0, ""
        self.started = self.shown = time.monotonic()
        self.lock = threading.Lock()
        self.tty = self.out.isatty()
        self.every = every if self.tty else max(every, 5.0)

    def add(self, n: int) -> None:
        """Count `n` more items read."""
        with self.lock:
            self.count += n
            self._maybe_show()

    def show(self, state: str) -> None:
        """What is awaited is now in `state` (shown at once when it changes on a terminal)."""
        with self.lock:
            changed, self.state = state != self.state, state
            self._maybe_show(force=changed and self.tty)

    def done(self) -> float:
        """Show the final line; answer the seconds it took."""
        with self.lock:
            self._write(end="\n")
        return time.monotonic() - self.started

    def clear(self) -> None:
        """Take the line away (on a terminal), when what follows on stdout says it all."""
        with self.lock:
            if self.tty:
                self.out.write("\r\x1b[K")
                self.out.flush()

    def _maybe_show(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self.shown >= self.every:
            self.shown = now
            self._write(end="\r" if self.tty else "\n")

    def _write(self, end: str) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        if self.state:
            line = f"{self.what}: {self.state}, {elapsed:.1f} s"
        else:
            line = f"{self.what}: {self.count:,} read in {elapsed:.1f} s, {self.count / elapsed:,.0f}/s"
        self.out.write(f"{line}\x1b[K{end}" if self.tty else f"{line}{end}")  # erase a longer line left before
        self.out.flush()
