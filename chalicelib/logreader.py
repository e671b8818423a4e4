"""Reading the whole event log and the whole state table for the audit (parallel Scan segments, paged, with
a progress line on stderr), and every stream's recorded head for seals. Never on a request path.
"""
from __future__ import annotations

import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterable, TextIO, TypeVar

from chalicelib.audit_table import Key, Row
from chalicelib.aws.models import EventRecord, StateRecord
from chalicelib.core.events import Event
from chalicelib.core.rows import HEAD_KIND, Head, key_stream, parse_head

SEAL_KIND = "seal"

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


def raw_event(record: EventRecord) -> Event:
    """The event exactly as stored (schema and data not upcast): what its hash covers."""
    return Event(stream=record.stream, seq=int(record.seq), type=record.type, data=dict(record.data or {}),
                 at=record.at, actor=dict(record.actor or {}), schema=int(record.schema), hash=record.hash or "")


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


def read_stream(stream: str) -> list[Event]:
    """One stream as stored: one strongly consistent, paged Query."""
    return [raw_event(r) for r in EventRecord.query(stream, consistent_read=True)]


def read_heads(consistent: bool = True) -> dict[str, Head]:
    """Every stream's head as the state rows record it: the job rows' `head` and the head rows, read with two
    paged Queries projected to the keys and the head (O(streams); never on a request path). A projection does
    not lower the read units: DynamoDB charges the whole job rows."""
    out: dict[str, Head] = {}
    for kind in ("job", HEAD_KIND):
        for record in StateRecord.query(kind, consistent_read=consistent, page_size=PAGE_SIZE,
                                        attributes_to_get=["kind", "id", "head"]):
            if record.head:
                stream = key_stream(kind, record.id)
                out[stream] = parse_head(stream, record.head)
    return out


def read_seals() -> list[dict[str, Any]]:
    """The seals recorded in the state table (`seal` rows), oldest first: a convenience, not a proof (whoever
    edits the tables edits them too; the digests logged elsewhere are what counts)."""
    return [dict(r.data or {}) for r in StateRecord.query(SEAL_KIND, consistent_read=True)]


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
