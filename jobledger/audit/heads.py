"""Completeness without a seal: each stream's last event against the head (seq, hash) the state rows record
for it, written in the transaction that appended it. A tail cut off, an end rewritten and re-sealed, a stream
removed or events added behind the store's back are named as log tampering, not as state drift. Pure: no I/O.
"""
from __future__ import annotations

from typing import Mapping, Sequence

from jobledger.audit.replay import stream_order
from jobledger.audit.table import Key, Row
from jobledger.audit.verify import Problem
from chalicelib.core.events import Event
from chalicelib.core.rows import HEAD_KIND, Head, head_key, heads_of, key_stream, parse_head

TAMPERED = "log tampered with:"


def recorded_heads(rows: Mapping[Key, Row]) -> dict[str, Head]:
    """The heads the state rows record: on job rows, and on (`head`, stream) rows for other streams."""
    out = {}
    for (kind, id_), row in rows.items():
        if kind in ("job", HEAD_KIND) and row.get("head"):
            stream = key_stream(kind, id_)
            out[stream] = parse_head(stream, row["head"])
    return out


def check_heads(stored: Mapping[str, Sequence[Event]], recorded: Mapping[str, Head],
                in_flight: tuple[str, str] | None = None) -> list[Problem]:
    """Every stream of the log or of the recorded heads whose end is not the recorded one.

    Read the heads first, then the log (events are only ever appended): a running stack can then only show a log
    ahead of its heads, never behind. Events past a head all stamped within `in_flight` (from a little before
    the heads were read to when the log was) may have been committed meanwhile: not named; the next audit sees
    them. One stamped outside it (earlier, or in the future) is named.
    """
    out: list[Problem] = []
    for stream in sorted({*stored, *recorded}, key=stream_order):
        events = {e.seq: e for e in stored.get(stream, ())}
        head = recorded.get(stream)
        later = [e for seq, e in events.items() if head is None or seq > head.seq]
        moving = bool(later) and in_flight is not None and all(in_flight[0] <= e.at <= in_flight[1] for e in later)
        out += _check(stream, events, head, moving)
    return out


def _check(stream: str, events: Mapping[int, Event], head: Head | None, in_flight: bool) -> list[Problem]:
    last = max(events, default=0)
    if head is None and in_flight:
        return []
    if head is None:
        return [Problem(stream, last or None, f"{TAMPERED} the state rows record no head for this stream: its "
                                              "events were written outside the store, or its head was deleted")]
    if not events:
        return [Problem(stream, None, f"{TAMPERED} stream removed: the state rows record its head at seq "
                                      f"{head.seq}, the log holds none of its events")]
    out = []
    if last < head.seq:
        gone = f"seq {head.seq}" if last + 1 == head.seq else f"seqs {last + 1}-{head.seq}"
        out.append(Problem(stream, head.seq, f"{TAMPERED} tail truncated: {gone} deleted (the log ends at seq "
                                             f"{last}, the state rows record the head at seq {head.seq})"))
    elif head.seq in events and events[head.seq].hash != head.hash:
        out.append(Problem(stream, head.seq, f"{TAMPERED} {events[head.seq].type} rewritten: its hash "
                                             f"{events[head.seq].hash[:12]}… is not the head hash the state rows "
                                             f"record ({head.hash[:12]}…): edited and re-sealed"))
    if last > head.seq and not in_flight:
        more = f"seq {last}" if last == head.seq + 1 else f"seqs {head.seq + 1}-{last}"
        out.append(Problem(stream, head.seq + 1, f"{TAMPERED} {more} past the head the state rows record (seq "
                                                 f"{head.seq}): added outside the store"))
    return out


def with_heads(rows: Mapping[Key, Row], stored: Mapping[str, Sequence[Event]]) -> dict[Key, Row]:
    """`rows` (as replay rebuilds them) with every stream's head, as the store writes it: what an import
    writes, so that a restored stack verifies clean."""
    out = dict(rows)
    for stream, head in heads_of(e for events in stored.values() for e in events).items():
        key = head_key(stream)
        out[key] = dict(out.get(key) or {}, head=head.text())
    return out
