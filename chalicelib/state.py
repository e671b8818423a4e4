"""Reads of the state table and the atomic id counters."""
from __future__ import annotations

from typing import Iterable

from chalicelib.models import StateRecord

Key = tuple[str, str]


def get(kind: str, id_: str) -> StateRecord | None:
    try:
        return StateRecord.get(kind, id_, consistent_read=True)
    except StateRecord.DoesNotExist:
        return None


def get_many(keys: Iterable[Key]) -> dict[Key, StateRecord]:
    """Several rows in one BatchGetItem; absent rows are absent from the answer."""
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return {}
    return {(r.kind, r.id): r for r in StateRecord.batch_get(wanted, consistent_read=True)}


def list_kind(kind: str) -> list[StateRecord]:
    return list(StateRecord.query(kind, consistent_read=True))


def next_value(counter: str, start: int) -> int:
    """Atomically take the next number of a counter; the first call answers `start`."""
    row = StateRecord("counter", counter)
    row.update(actions=[StateRecord.value.set((StateRecord.value | (start - 1)) + 1)])
    return int(row.value)
