"""The state table's one door: reads by key, the listing indexes, the atomic counters.

Only this module (and the store, which writes) knows the table's key design (`models.index_keys`): a row's hash
key is its own (`<kind>#<id>`); the listing indexes are KEYS_ONLY and keyed by kind (`by-kind`), owning account
(`by-owner`) or domain (`by-domain`) with the kind and a shard, each sorted by `sort` (`vm#000000000100`). A
listing merges its shards in sort order, then reads the rows themselves (strongly consistent, 100 a request).
Callers say what they want (`Scope`, `Filter`), never how it is stored.
"""
from __future__ import annotations

import heapq
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import chain, islice
from typing import Any, Iterable, Iterator, Sequence

from chalicelib import settings
from chalicelib.aws.models import StateRecord, pending_shards, row_key, shard_count, shard_of
from chalicelib.core.rows import sort_key

Key = tuple[str, str]
GONE = ("Destroyed", "Expunging")
BATCH = 100  # keys per BatchGetItem, DynamoDB's most


def get(kind: str, id_: str) -> StateRecord | None:
    cached = INVENTORY.row(kind, id_)
    if cached is not None:
        return cached
    try:
        return INVENTORY.keep(StateRecord.get(row_key(kind, id_), consistent_read=True))
    except StateRecord.DoesNotExist:
        return None


def get_many(keys: Iterable[Key]) -> dict[Key, StateRecord]:
    """Several rows in one BatchGetItem; absent rows are absent from the answer."""
    wanted = list(dict.fromkeys(keys))
    out = {key: row for key in wanted if (row := INVENTORY.row(*key)) is not None}
    missing = [row_key(k, i) for k, i in wanted if (k, i) not in out]
    out.update({(r.kind, r.id): INVENTORY.keep(r) for r in fetch(missing).values()})
    return out


def fetch(pks: Sequence[str], attributes: Sequence[str] | None = None,
          consistent: bool = True) -> dict[str, StateRecord]:
    """Rows by their table keys, strongly consistent unless told (PynamoDB sends 100 a request and resends what
    DynamoDB leaves unprocessed)."""
    if not pks:
        return {}
    return {r.pk: r for r in StateRecord.batch_get(list(dict.fromkeys(pks)), consistent_read=consistent,
                                                   attributes_to_get=attributes)}


def kind_keys(kind: str) -> Iterator[str]:
    """The table keys of every listed row of a kind, from its `by-kind` shards (paged; never on a request path
    for the kinds that grow with traffic)."""
    for n in range(shard_count(kind)):
        for record in StateRecord.by_kind.query(f"{kind}#{n}", page_size=1000):
            yield record.pk


def list_kind(kind: str) -> list[StateRecord]:
    """Every row of a kind in id order (inventory: zones, hosts, offerings, networks), read by key after the
    `by-kind` index names them."""
    cached = INVENTORY.listing(kind)
    if cached is not None:
        return cached
    keys = INVENTORY.members(kind) or INVENTORY.keep_members(kind, list(kind_keys(kind)))
    return INVENTORY.keep_listing(kind, sorted(fetch(keys).values(), key=lambda r: r.id))


def kept_documents(kind: str) -> list[tuple[str, dict[str, Any]]] | None:
    """(table key, document) of every row of a kind in id order, kept like the inventory, for hosts too: a host's
    document says where it is and what it has, never how full it is (its free capacity is read by key, `fetch`).
    None when this process keeps no inventory (`inventory_cache_seconds` 0): the caller reads the rows."""
    if settings.load().inventory_cache_seconds <= 0:
        return None
    cached = INVENTORY.documents(kind)
    if cached is not None:
        return cached
    return INVENTORY.keep_documents(kind, [(r.pk, r.as_dict()) for r in list_kind(kind)])


class InventoryCache:
    """Inventory rows that only `inventory load` changes (zones, templates, offerings, networks), kept
    `settings.inventory_cache_seconds` in this process once read: every submit reads its zone, offering and
    template, and every deploy the networks, so without it those few rows would take a read per request of the
    whole system. Hosts' rows are never kept (their free capacity changes), only which hosts there are. Absent
    rows are not kept."""

    KINDS = frozenset({"zone", "template", "serviceoffering", "diskoffering", "network"})
    MEMBERS = KINDS | {"host"}

    def __init__(self) -> None:
        # rows kept as stored (serialized): each hit is a fresh object, so no caller can change a kept row
        self.rows: dict[Key, tuple[float, Any]] = {}
        self.listings: dict[str, tuple[float, list[Any]]] = {}
        self.keys: dict[str, tuple[float, list[str]]] = {}
        self.docs: dict[str, tuple[float, list[tuple[str, str]]]] = {}
        self.lock = threading.Lock()

    @staticmethod
    def _ttl(kind: str, kinds: frozenset[str] = KINDS) -> float:
        return settings.load().inventory_cache_seconds if kind in kinds else 0.0

    def members(self, kind: str) -> list[str] | None:
        """The table keys of a kind's rows (from `by-kind`), if kept and fresh."""
        ttl = self._ttl(kind, self.MEMBERS)
        with self.lock:
            kept = self.keys.get(kind) if ttl > 0 else None
        return list(kept[1]) if kept is not None and time.monotonic() - kept[0] < ttl else None

    def keep_members(self, kind: str, keys: list[str]) -> list[str]:
        if self._ttl(kind, self.MEMBERS) > 0:
            with self.lock:
                self.keys[kind] = (time.monotonic(), list(keys))
        return keys

    def row(self, kind: str, id_: str) -> StateRecord | None:
        ttl = self._ttl(kind)
        with self.lock:
            kept = self.rows.get((kind, id_)) if ttl > 0 else None
        fresh = kept is not None and time.monotonic() - kept[0] < ttl
        return StateRecord.from_raw_data(kept[1]) if kept is not None and fresh else None

    def keep(self, row: StateRecord) -> StateRecord:
        if self._ttl(row.kind) > 0:
            with self.lock:
                self.rows[(row.kind, row.id)] = (time.monotonic(), row.serialize())
        return row

    def listing(self, kind: str) -> list[StateRecord] | None:
        ttl = self._ttl(kind)
        with self.lock:
            kept = self.listings.get(kind) if ttl > 0 else None
        fresh = kept is not None and time.monotonic() - kept[0] < ttl
        return [StateRecord.from_raw_data(r) for r in kept[1]] if kept is not None and fresh else None

    def keep_listing(self, kind: str, rows: list[StateRecord]) -> list[StateRecord]:
        if self._ttl(kind) > 0:
            with self.lock:
                self.listings[kind] = (time.monotonic(), [r.serialize() for r in rows])
            for row in rows:
                self.keep(row)
        return rows

    def documents(self, kind: str) -> list[tuple[str, dict[str, Any]]] | None:
        """A kind's (table key, document) pairs, if kept and fresh (each hit parsed afresh: no caller can change
        a kept one)."""
        ttl = self._ttl(kind, self.MEMBERS)
        with self.lock:
            kept = self.docs.get(kind) if ttl > 0 else None
        fresh = kept is not None and time.monotonic() - kept[0] < ttl
        return [(pk, json.loads(doc)) for pk, doc in kept[1]] if kept is not None and fresh else None

    def keep_documents(self, kind: str, docs: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
        if self._ttl(kind, self.MEMBERS) > 0:
            with self.lock:
                self.docs[kind] = (time.monotonic(), [(pk, json.dumps(doc)) for pk, doc in docs])
        return docs

    def forget(self) -> None:
        with self.lock:
            self.rows.clear()
            self.listings.clear()
            self.keys.clear()
            self.docs.clear()


INVENTORY = InventoryCache()


def next_value(counter: str, start: int, block: int = 1) -> int:
    """Atomically take the next `block` numbers of a counter; answer the last of them (the first call's block
    starts at `start`)."""
    row = StateRecord("counter", counter)
    row.update(actions=[StateRecord.value.set((StateRecord.value | (start - 1)) + block),
                        StateRecord.kind.set("counter"), StateRecord.id.set(counter)])
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
        """A new container's memory (tests and imports start from the table's counters and inventory)."""
        with self.lock:
            self.blocks.clear()
        INVENTORY.forget()


LEASES = IdLeases()


def next_id(counter: str, start: int, block: int) -> str:
    """The next id of `counter` (job, vm, nic) from this process's leased block."""
    return str(LEASES.next_id(counter, start, max(block, 1)))


def unfinished_jobs(limit: int | None = None) -> Iterator[StateRecord]:
    """Job rows not yet finished, oldest first, from the sparse index's shards merged (its size follows the
    unfinished jobs); a row that finished since the index was read is left out."""
    queries = [StateRecord.by_unfinished.query(f"pending#{n}", page_size=BATCH) for n in range(pending_shards())]
    keys = (r.pk for r in heapq.merge(*queries, key=lambda r: str(r.sort)))
    pending = (r for r in _rows(keys, BATCH) if r.unfinished)
    return islice(pending, limit)


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
    """Rows `start:end` of a kind in the scope, in id order (or newest first): the scope's shards merged, one
    index page at a time, the rows read by key and filtered."""
    page = 1000 if end is None else max(1, min(end, 1000))
    return list(islice(_listed(kind, scope, match, newest_first, page), start, end))


def count_rows(kind: str, scope: Scope, match: Filter = Filter()) -> int:
    if _filters_rows(match):
        return sum(1 for _ in _listed(kind, scope, match, False, 1000))
    index, keys, condition, _ = _index(kind, scope, match)
    return sum(int(index.count(key, condition)) for key in keys)


def _listed(kind: str, scope: Scope, match: Filter, newest_first: bool, page: int) -> Iterator[StateRecord]:
    index, keys, condition, order = _index(kind, scope, match)
    queries = _started([index.query(key, condition, scan_index_forward=not newest_first, page_size=page)
                        for key in keys], page)
    merged = (r.pk for r in heapq.merge(*queries, key=order, reverse=newest_first))
    return (r for r in _rows(merged, min(page, BATCH)) if _in_scope(r, kind, scope) and _matches(r, match))


def _in_scope(row: StateRecord, kind: str, scope: Scope) -> bool:
    """The row read by key is what the index said (tenancy does not rest on an index entry alone: one left
    stale, or a key attribute edited behind the store's back, lists nothing of another account)."""
    if row.kind != kind:
        return False
    return scope.by == "all" or (row.owner if scope.by == "owner" else row.domainid) == scope.key


def _started(queries: list[Iterator[Any]], page: int) -> list[Iterator[Any]]:
    """The shards' first pages read side by side (a listing's latency is then about one Query's, not one per
    shard); further pages, rarely needed, are read as the merge reaches them."""
    if len(queries) == 1:
        return queries
    firsts = _pool().map(lambda q: list(islice(q, page)), queries)
    return [chain(first, query) for first, query in zip(firsts, queries, strict=True)]


_POOL: list[ThreadPoolExecutor] = []


def _pool() -> ThreadPoolExecutor:
    """One small pool per process, made at first use (no threads at import: cold start)."""
    if not _POOL:
        _POOL.append(ThreadPoolExecutor(max_workers=16, thread_name_prefix="shards"))
    return _POOL[0]


def _rows(pks: Iterator[str], chunk: int) -> Iterator[StateRecord]:
    """The rows of `pks` in their order, read `chunk` at a time; rows gone since the index named them are
    skipped."""
    while True:
        wanted = list(islice(pks, chunk))
        if not wanted:
            return
        found = fetch(wanted)
        yield from (found[pk] for pk in wanted if pk in found)


def _index(kind: str, scope: Scope, match: Filter) -> tuple[Any, list[str], Any, Any]:
    """The index, its hash keys (every shard, or the one an id names), the range condition and the order."""
    shards = [shard_of(kind, match.id, shard_count(kind))] if match.id else range(shard_count(kind))
    if scope.by == "all":
        condition = StateRecord.kindsort == sort_key(kind, match.id) if match.id else None
        return StateRecord.by_kind, [f"{kind}#{n}" for n in shards], condition, lambda r: str(r.kindsort)
    index = StateRecord.by_owner if scope.by == "owner" else StateRecord.by_domain
    condition = StateRecord.sort == sort_key(kind, match.id) if match.id else None
    return index, [f"{scope.key}#{kind}#{n}" for n in shards], condition, lambda r: str(r.sort)


def _filters_rows(match: Filter) -> bool:
    return bool(match.state or match.hide_states or match.zoneid or match.search or match.created_from
                or match.hide_owners)


def _matches(row: StateRecord, match: Filter) -> bool:
    """The filter on a row read by key (the indexes hold keys only), with DynamoDB's semantics for absent
    attributes: an absent one equals nothing and contains nothing."""
    return ((not match.state or row.vmstate == match.state)
            and (row.vmstate is None or row.vmstate not in match.hide_states)
            and (not match.zoneid or row.zoneid == match.zoneid)
            and all(row.search is not None and word in row.search for word in match.search)
            and (not match.created_from or (row.created is not None and row.created >= match.created_from))
            and (row.owner is None or row.owner not in match.hide_owners))
