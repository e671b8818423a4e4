"""Streams' heads and seals in the state table, and streams exactly as stored: what the hourly sealer reads and
writes (and the audit reuses). Cost O(streams); never on a request path.
"""
from __future__ import annotations

from typing import Any

from pynamodb.exceptions import PutError

from chalicelib.aws import statetable
from chalicelib.aws.eventlog import load_stream_as_stored as read_stream
from chalicelib.aws.models import StateRecord
from chalicelib.core.rows import HEAD_KIND, Head, key_stream, parse_head

__all__ = ["SEAL_KIND", "read_heads", "read_seals", "read_stream", "record_seal_row"]

SEAL_KIND = "seal"
PAGE_SIZE = 1000


def read_heads(consistent: bool = True) -> dict[str, Head]:
    """Every stream's head as the state rows record it: the job rows' `head` and the head rows, named by their
    `by-kind` shards and read by key projected to the kind, id and head (O(streams); never on a request path).
    A projection does not lower the read units: DynamoDB charges the whole job rows."""
    out: dict[str, Head] = {}
    for kind in ("job", HEAD_KIND):
        keys = list(statetable.kind_keys(kind))
        for start in range(0, len(keys), PAGE_SIZE):
            found = statetable.fetch(keys[start:start + PAGE_SIZE], ["pk", "kind", "id", "head"], consistent)
            for record in found.values():
                if record.head:
                    stream = key_stream(kind, record.id)
                    out[stream] = parse_head(stream, record.head)
    return out


def read_seals() -> list[dict[str, Any]]:
    """The seals recorded in the state table (`seal` rows), oldest first: a convenience, not a proof (whoever
    edits the tables edits them too; the digests logged elsewhere are what counts)."""
    return [dict(r.data or {}) for r in statetable.list_kind(SEAL_KIND)]


def record_seal_row(row_id: str, line: dict[str, Any]) -> None:
    """Store a seal as a `seal` row; a recorded seal is never overwritten (the same seal made in the same
    millisecond is stored already)."""
    try:
        StateRecord(SEAL_KIND, row_id, data=line).save(condition=StateRecord.kind.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
