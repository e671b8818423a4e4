"""Reading the whole event log and the whole state table for the audit (parallel Scan segments, paged, with
a progress line on stderr), and every stream's recorded head for seals. Never on a request path.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterable, TypeVar

from jobledger.audit.table import Key, Row
from chalicelib.aws.models import DERIVED, EventRecord, StateRecord, index_keys
from chalicelib.core.events import Event
from chalicelib.aws.eventlog import as_stored as raw_event
from jobledger.progress import Progress
from chalicelib.aws.heads import read_heads, read_seals, read_stream

__all__ = ["Progress", "read_heads", "read_log", "read_seals", "read_state", "read_stream", "row_of", "is_empty",
           "state_is_empty"]


SEGMENTS = 4
PAGE_SIZE = 1000
T = TypeVar("T")


def row_of(record: StateRecord) -> Row:
    """A state row as plain attributes (keys aside), as `audit_table.Table` holds rows. The keys the store
    derives (`models.index_keys`) are left out when they are what the row's attributes give; a wrong one stays,
    so the comparison with the replayed row names it."""
    values = record.attribute_values
    derived = index_keys(str(values.get("kind")), str(values.get("id")), values)
    return {name: value for name, value in values.items()
            if name not in ("kind", "id") and not (name in DERIVED and derived.get(name) == value)}


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
    return not any(True for _ in EventRecord.scan(limit=1)) and state_is_empty()


def state_is_empty() -> bool:
    return not any(True for _ in StateRecord.scan(limit=1))


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
