"""The log as JSON Lines: one event per line, fields in a fixed order, each event exactly as stored (so its
hash still verifies), lines in time order across streams. Pure: no I/O.
"""
from __future__ import annotations

import heapq
import json
from typing import Any, Iterable, Iterator, Mapping, Sequence

from jobledger.audit.replay import stream_order
from chalicelib.core.events import Event

FIELDS = ("stream", "seq", "type", "schema", "at", "actor", "data", "hash")


class BadLine(ValueError):
    """A line that is not an exported event."""


def event_line(e: Event) -> str:
    record = {"stream": e.stream, "seq": e.seq, "type": e.type, "schema": e.schema, "at": e.at,
              "actor": dict(e.actor), "data": dict(e.data), "hash": e.hash}
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def log_lines(streams: Mapping[str, Sequence[Event]]) -> Iterator[str]:
    """Every event, merged by time, each stream in seq order: the same order replay applies them in."""
    ordered = [sorted(streams[s], key=lambda e: e.seq) for s in sorted(streams, key=stream_order)]
    for e in heapq.merge(*ordered, key=lambda e: e.at):
        yield event_line(e)


def parse_line(line: str, number: int = 0) -> Event:
    try:
        record: Any = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BadLine(f"line {number}: not JSON ({exc})") from exc
    missing = [f for f in FIELDS if f not in record] if isinstance(record, dict) else list(FIELDS)
    if missing:
        raise BadLine(f"line {number}: not an exported event (no {', '.join(missing)})")
    try:
        return Event(stream=str(record["stream"]), seq=int(record["seq"]), type=str(record["type"]),
                     data=dict(record["data"]), at=str(record["at"]), actor=dict(record["actor"]),
                     schema=int(record["schema"]), hash=str(record["hash"] or ""))
    except (TypeError, ValueError) as exc:
        raise BadLine(f"line {number}: not an exported event ({exc})") from exc


def read_lines(lines: Iterable[str]) -> dict[str, list[Event]]:
    """Streams from exported lines (blank lines skipped); a repeated (stream, seq) is refused."""
    streams: dict[str, dict[int, Event]] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        e = parse_line(line, number)
        if e.seq in streams.setdefault(e.stream, {}):
            raise BadLine(f"line {number}: {e.stream} seq {e.seq} appears twice")
        streams[e.stream][e.seq] = e
    return {s: [by_seq[k] for k in sorted(by_seq)] for s, by_seq in streams.items()}
