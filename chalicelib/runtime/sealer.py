"""The periodic seal (a scheduled Lambda on AWS): every stream's head read from the state rows, sealed as of a
cut a few minutes back, its digest printed to the function's log (CloudWatch Logs: out of reach of whoever
only edits the tables) and stored as a `seal` row. Cost O(streams), two paged Queries; never on a request path.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Mapping, Sequence

from chalicelib.aws import heads
from chalicelib.core.events import Event
from chalicelib.core.rows import Head
from chalicelib.core.seal import Seal, heads_as_of, make_seal

# Longer than any writer lives between stamping an event and committing it (Lambda timeouts: 29 s and 60 s):
# every event stamped at or before the cut is committed before the heads are read, so the seal is exactly the
# log's heads as of the cut, which `audit verify --against DIGEST@CUT` recomputes from the log alone.
SETTLE_SECONDS = 300


def iso(moment: datetime) -> str:
    """As events record time: UTC, milliseconds, `Z`."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def seal_heads(recorded: Mapping[str, Head], cut: str, made: str,
               read_stream: Callable[[str], Sequence[Event]]) -> Seal:
    """The heads as of `cut`: a head stamped after it gives way to its stream's last event at or before it
    (only those streams, the ones written to since the cut, are read)."""
    heads = []
    for stream, head in recorded.items():
        if head.at <= cut:
            heads.append(head)
        elif (earlier := heads_as_of({stream: read_stream(stream)}, cut).get(stream)) is not None:
            heads.append(earlier)
    return make_seal(heads, cut, made)


def summary(seal: Seal) -> dict[str, Any]:
    return {"seal": seal.token, "digest": seal.digest, "cut": seal.cut, "made": seal.made,
            "streams": len(seal.heads), "events": seal.events}


def record_seal(now: datetime | None = None, settle: float = SETTLE_SECONDS) -> dict[str, Any]:
    """Seal the heads as of `settle` seconds ago; log it and store it; answer its summary."""
    made = now or datetime.now(timezone.utc)
    # eventually consistent reads cost half: a head read a moment stale misses only events committed in that
    # moment, all stamped after the cut
    seal = seal_heads(heads.read_heads(consistent=False), iso(made - timedelta(seconds=settle)), iso(made),
                      heads.read_stream)
    line = summary(seal)
    # stdout reaches CloudWatch Logs whatever the logging configuration; one JSON line, easy to filter for
    print(json.dumps({"jobledger_seal": seal.token, **line}, separators=(",", ":")), flush=True)
    heads.record_seal_row(f"{seal.made}#{seal.digest[:16]}", line)
    return line
