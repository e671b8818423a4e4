"""PynamoDB models of the two tables: the event log and the state it explains."""
from __future__ import annotations

import json
import zlib
from typing import Any, Mapping

from pynamodb.attributes import JSONAttribute, NumberAttribute, NumberSetAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib import settings
from chalicelib.core.rows import sort_key


class FromSettings:
    """A Meta attribute read from the settings at each use, not at import: PynamoDB reads `Meta.table_name`
    whenever it makes or checks its connection, so tests and the local stack set the environment whenever they
    like before the first request (no import-order tricks)."""

    def __init__(self, field: str) -> None:
        self.field = field

    def __get__(self, obj: object, owner: type | None = None) -> str:
        return str(getattr(settings.load(), self.field))


class CompactJSONAttribute(JSONAttribute):
    """JSON as PynamoDB stores it, without the space `json.dumps` puts after each `,` and `:`: DynamoDB bills an
    item by its bytes (a write unit per KB), and a VM's document has ~60 fields, so the spaces were ~10 % of each
    VM row, job row and job event. Rows and events stored with the spaces read the same (JSON either way)."""

    def serialize(self, value: Any) -> str | None:
        return None if value is None else json.dumps(value, separators=(",", ":"))


class EventRecord(Model):
    """One event: stream `job#<id>` (or an inventory stream), contiguous `seq` from 1."""

    class Meta:
        table_name = FromSettings("events_table")
        region = FromSettings("region")

    stream = UnicodeAttribute(hash_key=True)
    seq = NumberAttribute(range_key=True)
    type = UnicodeAttribute()
    schema = NumberAttribute()
    at = UnicodeAttribute()
    actor = CompactJSONAttribute()
    data = CompactJSONAttribute()
    hash = UnicodeAttribute(null=True)


# The state table's keys (docs/ARCHITECTURE.md, "State keys"). A row's own key is its hash key (`pk`,
# `<kind>#<id>`), so no partition holds more than one row. Kind-wide, per-account, per-domain and unfinished
# listings go through KEYS_ONLY indexes whose hash keys name the kind and a shard: `<kind>#<n>`,
# `<account>#<kind>#<n>`, `<domain>#<kind>#<n>`, `pending#<n>`, with n from the row's id. Kinds that grow with
# traffic take `settings.state_shards` shards (`unfinished` twice that); the others (inventory, directory, seals)
# one. A KEYS_ONLY index is
# written only when a row appears, goes, or changes an index key: never when a job's or VM's document changes.
SHARDED_KINDS = frozenset({"job", "vm", "volume", "sshkeypair", "tags", "head"})
# never listed (read by key only): in no index; content-addressed user data would otherwise put a new key in one
# shared `by-kind` partition with every deploy that brings its own
UNLISTED_KINDS = frozenset({"counter", "lease", "rate", "storage", "userdata", "accountname", "domainname",
                            "username", "vmname"})
DERIVED = ("pk", "kindkey", "kindsort", "ownerkey", "domainkey", "pendingkey")  # what index_keys adds


def row_key(kind: str, id_: str) -> str:
    return f"{kind}#{id_}"


def shard_of(kind: str, id_: str, shards: int) -> int:
    """Numeric ids go round the shards in turn; other ids by a checksum (stable across processes)."""
    if kind not in SHARDED_KINDS or shards <= 1:
        return 0
    return int(id_) % shards if id_.isascii() and id_.isdigit() else zlib.crc32(id_.encode("utf-8")) % shards


def shard_count(kind: str) -> int:
    return settings.load().state_shards if kind in SHARDED_KINDS else 1


def pending_shards() -> int:
    """The `unfinished` index takes a put and a delete per job, twice what a listing index takes: twice the
    shards."""
    return 2 * settings.load().state_shards


def index_keys(kind: str, id_: str, attributes: Mapping[str, Any]) -> dict[str, str]:
    """The key attributes a row with these attributes carries: its own key and its listing-index keys. Derived
    from what the row says (kind, id, `sort`, `owner`, `domainid`, `unfinished`), never chosen by a caller."""
    n = shard_of(kind, id_, shard_count(kind))
    out = {"pk": row_key(kind, id_)}
    if kind not in UNLISTED_KINDS:
        out["kindkey"], out["kindsort"] = f"{kind}#{n}", str(attributes.get("sort") or sort_key(kind, id_))
    if attributes.get("sort"):
        if attributes.get("owner"):
            out["ownerkey"] = f"{attributes['owner']}#{kind}#{n}"
        if attributes.get("domainid"):
            out["domainkey"] = f"{attributes['domainid']}#{kind}#{n}"
        if attributes.get("unfinished"):
            out["pendingkey"] = f"pending#{shard_of(kind, id_, pending_shards())}"
    return out


class ByKind(GlobalSecondaryIndex["StateRecord"]):
    """Every listed row of a kind, by shard, in `kindsort` order (root admin's `listall`, the inventory)."""

    class Meta:
        index_name = "by-kind"
        projection = KeysOnlyProjection()

    kindkey = UnicodeAttribute(hash_key=True)
    kindsort = UnicodeAttribute(range_key=True)


class ByOwner(GlobalSecondaryIndex["StateRecord"]):
    """An account's rows of a kind (VMs, jobs, volumes, ...), by shard, in `sort` order."""

    class Meta:
        index_name = "by-owner"
        projection = KeysOnlyProjection()

    ownerkey = UnicodeAttribute(hash_key=True)
    sort = UnicodeAttribute(range_key=True)


class ByDomain(GlobalSecondaryIndex["StateRecord"]):
    """A domain's rows of a kind (domain admins), by shard."""

    class Meta:
        index_name = "by-domain"
        projection = KeysOnlyProjection()

    domainkey = UnicodeAttribute(hash_key=True)
    sort = UnicodeAttribute(range_key=True)


class Unfinished(GlobalSecondaryIndex["StateRecord"]):
    """Sparse: job rows not yet finished, by shard, oldest first; the sweeper's cost follows it, not the table."""

    class Meta:
        index_name = "unfinished"
        projection = KeysOnlyProjection()

    pendingkey = UnicodeAttribute(hash_key=True)
    sort = UnicodeAttribute(range_key=True)


class StateRecord(Model):
    """What must be read fast or changed atomically: inventory, hosts' free capacity, VMs, jobs, leases, counters.

    Rows are named by (kind, id): (`zone`, id), (`host`, id), (`vm`, id), (`job`, id), (`lease`,
    `<network>#<ip>`), (`counter`, name), (`head`, stream) for the head of each stream but jobs' (a job's head is on
    its job row), (`seal`, time). `StateRecord(kind, id, **attributes)` makes a row with its derived keys
    (`index_keys`); the table's own hash key is `pk`. VM and job rows carry `sort` (`vm#000000000100`), `owner`
    (account id) and `domainid`, and what list filters test (`vmstate`, `zoneid`, `search`, `created`); unfinished
    job rows carry `unfinished`.
    """

    class Meta:
        table_name = FromSettings("state_table")
        region = FromSettings("region")

    pk = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()
    id = UnicodeAttribute()
    data = CompactJSONAttribute(null=True)
    free_cpu = NumberAttribute(null=True)
    free_memory = NumberAttribute(null=True)
    value = NumberAttribute(null=True)
    holder = UnicodeAttribute(null=True)
    pending = NumberSetAttribute(null=True)
    sort = UnicodeAttribute(null=True)
    owner = UnicodeAttribute(null=True)
    domainid = UnicodeAttribute(null=True)
    unfinished = UnicodeAttribute(null=True)
    vmstate = UnicodeAttribute(null=True)
    zoneid = UnicodeAttribute(null=True)
    search = UnicodeAttribute(null=True)
    created = UnicodeAttribute(null=True)
    head = UnicodeAttribute(null=True)  # `<seq> <hash> <at>` of a stream's last event (rows.Head): job and head rows
    keystate = UnicodeAttribute(null=True)  # API key rows: `enabled` or `disabled`, what RequireKey checks
    kindkey = UnicodeAttribute(null=True)
    kindsort = UnicodeAttribute(null=True)
    ownerkey = UnicodeAttribute(null=True)
    domainkey = UnicodeAttribute(null=True)
    pendingkey = UnicodeAttribute(null=True)
    by_kind = ByKind()
    by_owner = ByOwner()
    by_domain = ByDomain()
    by_unfinished = Unfinished()

    def __init__(self, hash_key: Any = None, range_key: Any = None, _user_instantiated: bool = True,
                 **attributes: Any) -> None:
        """`StateRecord(kind, id, **attributes)`: the row with its key and index keys derived (rows read from the
        table come through PynamoDB as they are stored)."""
        if _user_instantiated and hash_key is not None:
            kind, id_ = str(hash_key), str(range_key)
            keys: dict[str, Any] = {**index_keys(kind, id_, attributes), "kind": kind, "id": id_}
            super().__init__(keys.pop("pk"), **keys, **attributes)
        else:
            super().__init__(hash_key, range_key, _user_instantiated, **attributes)

    @classmethod
    def get(cls, hash_key: Any, range_key: Any = None, consistent_read: bool = False,
            attributes_to_get: Any = None) -> StateRecord:
        """`StateRecord.get(kind, id)`, as the row is made (or `get(pk)` with the table's own key)."""
        key = hash_key if range_key is None else row_key(str(hash_key), str(range_key))
        return super().get(key, consistent_read=consistent_read, attributes_to_get=attributes_to_get)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.data or {})


def create_tables() -> None:
    """Create both tables if absent (local stack and tests; on AWS the template creates them)."""
    for model in (EventRecord, StateRecord):
        if not model.exists():
            model.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
