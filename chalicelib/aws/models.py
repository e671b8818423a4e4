"""PynamoDB models of the two tables: the event log and the state it explains."""
from __future__ import annotations

from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, NumberSetAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib import settings


class FromSettings:
    """A Meta attribute read from the settings at each use, not at import: PynamoDB reads `Meta.table_name`
    whenever it makes or checks its connection, so tests and the local stack set the environment whenever they
    like before the first request (no import-order tricks)."""

    def __init__(self, field: str) -> None:
        self.field = field

    def __get__(self, obj: object, owner: type | None = None) -> str:
        return str(getattr(settings.load(), self.field))


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
    actor = JSONAttribute()
    data = JSONAttribute()
    hash = UnicodeAttribute(null=True)


class ByKind(GlobalSecondaryIndex["StateRecord"]):
    """Every listed row of a kind in `sort` order (root admin's `listall`)."""

    class Meta:
        index_name = "by-kind"
        projection = AllProjection()

    kind = UnicodeAttribute(hash_key=True)
    sort = UnicodeAttribute(range_key=True)


class ByOwner(GlobalSecondaryIndex["StateRecord"]):
    """An account's VMs (`vm#…`) and jobs (`job#…`) in `sort` order."""

    class Meta:
        index_name = "by-owner"
        projection = AllProjection()

    owner = UnicodeAttribute(hash_key=True)
    sort = UnicodeAttribute(range_key=True)


class ByDomain(GlobalSecondaryIndex["StateRecord"]):
    """A domain's VMs and jobs (domain admins)."""

    class Meta:
        index_name = "by-domain"
        projection = AllProjection()

    domainid = UnicodeAttribute(hash_key=True)
    sort = UnicodeAttribute(range_key=True)


class Unfinished(GlobalSecondaryIndex["StateRecord"]):
    """Sparse: job rows not yet finished, oldest first; the sweeper's cost follows it, not the table."""

    class Meta:
        index_name = "unfinished"
        projection = AllProjection()

    unfinished = UnicodeAttribute(hash_key=True)
    sort = UnicodeAttribute(range_key=True)


class StateRecord(Model):
    """What must be read fast or changed atomically: inventory, hosts' free capacity, VMs, jobs, leases, counters.

    Keys: (`zone`, id), (`host`, id), (`vm`, id), (`job`, id), (`lease`, `<network>#<ip>`), (`counter`, name),
    (`head`, stream) for the head of each stream but jobs' (a job's head is on its job row), (`seal`, time).
    VM and job rows carry `sort` (`vm#000000000100`), `owner` (account id) and `domainid`, which feed the
    listing indexes, and what list filters test (`vmstate`, `zoneid`, `search`, `created`); unfinished job rows
    carry `unfinished`, which feeds the sweeper's index.
    """

    class Meta:
        table_name = FromSettings("state_table")
        region = FromSettings("region")

    kind = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)
    data = JSONAttribute(null=True)
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
    by_kind = ByKind()
    by_owner = ByOwner()
    by_domain = ByDomain()
    by_unfinished = Unfinished()

    def as_dict(self) -> dict[str, Any]:
        return dict(self.data or {})


def create_tables() -> None:
    """Create both tables if absent (local stack and tests; on AWS the template creates them)."""
    for model in (EventRecord, StateRecord):
        if not model.exists():
            model.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
