"""The state table's one door: reads by key, the listing indexes, the atomic counters.

Only this module (and the store, which writes) knows the table's key design: rows are (`kind`, `id`); the
listing indexes are keyed by kind (`by-kind`), owning account (`by-owner`) or domain (`by-domain`), each sorted
by `sort` (`vm#000000000100`). Callers say what they want (`Scope`, `Filter`), never how it is stored.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from itertools import islice
from typing import Any, Iterable, Iterator

from chalicelib.aws.models import StateRecord
from chalicelib.core.rows import sort_key

Key = tuple[str, str]
GONE = ("Destroyed", "Expunging")


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
    """Every row of a kind by its table key (inventory: zones, hosts, offerings, networks)."""
    return list(StateRecord.query(kind, consistent_read=True))


def next_value(counter: str, start: int, block: int = 1) -> int:
    """Atomically take the next `block` numbers of a counter; answer the last of them (the first call's block
    starts at `start`)."""
    row = StateRecord("counter", counter)
    row.update(actions=[StateRecord.value.set((StateRecord.value | (start - 1)) + block)])
    return int(row.value)


class IdLeases:
    """Ids handed out from blocks leased from the counters, one block per counter at a time in this process (a
    Lambda container): a counter item takes one write per block, not one per id, so no single item caps the
    submit rate. Ids are unique (each block is leased once, atomically) and increase within a process, but are
    not gap-free: a container that ends leaves the rest of its block unused, and containers interleave."""

    def __init__(self) -> None:
        self.blocks: dict[str, tuple[int, int]] = {}  # counter -> (next id, last id of the block)
        self.lock = threading.Lock()

    def next_id(self, counter: str, start: int, block: int) -> int:
        with self.lock:
            following, last = self.blocks.get(counter, (1, 0))
            if following > last:
                last = next_value(counter, start, block)
                following = last - block + 1
            self.blocks[counter] = (following + 1, last)
            return following

    def forget(self) -> None:
        """A new container's memory (tests and imports start from the table's counters)."""
        with self.lock:
            self.blocks.clear()


LEASES = IdLeases()


def next_id(counter: str, start: int, block: int) -> str:
    """The next id of `counter` (job, vm, nic) from this process's leased block."""
    return str(LEASES.next_id(counter, start, max(block, 1)))


def unfinished_jobs(limit: int | None = None) -> Iterator[StateRecord]:
    """Job rows not yet finished, oldest first, from the sparse index (its size follows the unfinished jobs)."""
    return iter(StateRecord.by_unfinished.query("pending", limit=limit))


@dataclass(frozen=True)
class Scope:
    """A listing partition: every row of a kind (`all`), an account's (`owner`) or a domain's (`domain`)."""

    by: str
    key: str = ""


@dataclass(frozen=True)
class Filter:
    """What a listed row must match; empty fields match everything."""

    id: str | None = None
    state: str | None = None
    hide_states: tuple[str, ...] = ()
    zoneid: str | None = None
    search: tuple[str, ...] = ()  # lowercased words the row's names must contain
    created_from: str | None = None
    hide_owners: tuple[str, ...] = ()


def list_rows(kind: str, scope: Scope, match: Filter = Filter(), *, start: int = 0, end: int | None = None,
           newest_first: bool = False) -> list[StateRecord]:
    """Rows `start:end` of a kind in the scope, in id order (or newest first), read one index page at a time."""
    index, key = _index(kind, scope)
    page_size = 1000 if end is None else max(1, min(end, 1000))
    rows = index.query(key, _range(kind, match), filter_condition=_condition(match),
                       scan_index_forward=not newest_first, page_size=page_size)
    return list(islice(rows, start, end))


def count_rows(kind: str, scope: Scope, match: Filter = Filter()) -> int:
    index, key = _index(kind, scope)
    return int(index.count(key, _range(kind, match), filter_condition=_condition(match)))


def _index(kind: str, scope: Scope) -> tuple[Any, str]:
    if scope.by == "all":
        return StateRecord.by_kind, kind
    return (StateRecord.by_owner if scope.by == "owner" else StateRecord.by_domain), scope.key


def _range(kind: str, match: Filter) -> Any:
    return StateRecord.sort == sort_key(kind, match.id) if match.id else StateRecord.sort.startswith(f"{kind}#")


def _condition(match: Filter) -> Any:
    parts: list[Any] = []
    if match.state:
        parts.append(StateRecord.vmstate == match.state)
    if match.hide_states:
        parts.append(~StateRecord.vmstate.is_in(*match.hide_states))
    if match.zoneid:
        parts.append(StateRecord.zoneid == match.zoneid)
    parts += [StateRecord.search.contains(word) for word in match.search]
    if match.created_from:
        parts.append(StateRecord.created >= match.created_from)
    if match.hide_owners:
        parts.append(~StateRecord.owner.is_in(*match.hide_owners))
    condition = None
    for part in parts:
        condition = part if condition is None else condition & part
    return condition
