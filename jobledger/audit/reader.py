"""Reading the whole event log and the whole state table for the audit (parallel Scan segments, paged, with
a progress line on stderr), and every stream's recorded head for seals. Never on a request path.
"""
from __future__ import annotations

import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterable, TextIO, TypeVar

from jobledger.audit.table import Key, Row
from chalicelib.aws.models import EventRecord, StateRecord
from chalicelib.core.events import Event
from chalicelib.aws.eventlog import as_stored as raw_event
from chalicelib.aws.heads import read_heads, read_seals, read_stream

__all__ = ["Progress", "read_heads", "read_log", "read_seals", "read_state", "read_stream", "row_of", "is_empty"]


SEGMENTS = 4
PAGE_SIZE = 1000
T = TypeVar("T")


class Progress:
    """`<what>: 12,345 read, 4,321/s`, rewritten in place on a terminal, a line every few seconds elsewhere."""

    def __init__(self, what: str, out: TextIO | None = None, every: float = 0.5) -> None:
        self.what, self.out = what, out or sys.stderr
        self.count, self.started = 0, time.monotonic()
        self.shown = self.started
        self.lock = threading.Lock()
        self.tty = self.out.isatty()
        self.every = every if self.tty else max(every, 5.0)

    def add(self, n: int) -> None:
        with self.lock:
            self.count += n
            now = time.monotonic()
            if now - self.shown >= self.every:
                self.shown = now
                self._show(end="\r" if self.tty else "\n")

    def done(self) -> float:
        """Show the final count; answer the seconds it took."""
        with self.lock:
            self._show(end="\n")
        return time.monotonic() - self.started

    def _show(self, end: str) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        self.out.write(f"{self.what}: {self.count:,} read in {elapsed:.1f} s, {self.count / elapsed:,.0f}/s{end}")
        self.out.flush()


def row_of(record: StateRecord) -> Row:
    """A state row as plain attributes (keys aside), as `audit_table.Table` holds rows."""
    return {name: value for name, value in record.attribute_values.items() if name not in ("kind", "id")}


def read_log(segments: int = SEGMENTS, progress: Progress | None = None) -> dict[str, list[Event]]:
    """Every event of every stream, as stored, each stream in seq order."""
    streams: dict[str, list[Event]] = {}
    for event in _scan(EventRecord, raw_event, segments, progress):
        streams.setdefault(event.stream, []).append(event)
    for events in streams.values():
        events.sort(key=lambda e: e.seq)
    return streams


def read_state(segments: int = SEGMENTS, progress: Progress | None = None) -> dict[Key, Row]:
    return {(r.kind, r.id): row_of(r) for r in _scan(StateRecord, lambda r: r, segments, progress)}


def is_empty() -> bool:
    """Neither table holds anything (where an import may write)."""
    return not any(True for _ in EventRecord.scan(limit=1)) and not any(True for _ in StateRecord.scan(limit=1))


def _scan(model: Any, convert: Callable[[Any], T], segments: int, progress: Progress | None) -> list[T]:
    """All items of a table, its Scan split in `segments` read side by side (strongly consistent)."""
    def segment(number: int) -> list[T]:
        out = []
        for record in model.scan(segment=number, total_segments=segments, consistent_read=True,
                                 page_size=PAGE_SIZE):
            out.append(convert(record))
            if progress is not None and len(out) % 100 == 0:
                progress.add(100)
        if progress is not None:
            progress.add(len(out) % 100)
        return out

    with ThreadPoolExecutor(max_workers=segments, thread_name_prefix="scan") as pool:
        parts: Iterable[list[T]] = pool.map(segment, range(segments))
        items = [item for part in parts for item in part]
    if progress is not None:
        progress.done()
    return items
