"""PynamoDB models of the two tables: the event log and the state it explains."""
from __future__ import annotations

from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib import settings

_SETTINGS = settings.load()


class JobsByAccount(GlobalSecondaryIndex["EventRecord"]):
    """Sparse: only JobSubmitted events carry `accountid`, so this lists an account's jobs by time."""

    class Meta:
        index_name = "jobs-by-account"
        projection = AllProjection()

    accountid = UnicodeAttribute(hash_key=True)
    at = UnicodeAttribute(range_key=True)


class EventRecord(Model):
    """One event: stream `job#<id>` (or an inventory stream), contiguous `seq` from 1."""

    class Meta:
        table_name = _SETTINGS.events_table
        region = _SETTINGS.region

    stream = UnicodeAttribute(hash_key=True)
    seq = NumberAttribute(range_key=True)
    type = UnicodeAttribute()
    schema = NumberAttribute()
    at = UnicodeAttribute()
    actor = JSONAttribute()
    data = JSONAttribute()
    accountid = UnicodeAttribute(null=True)
    jobs_by_account = JobsByAccount()


class StateRecord(Model):
    """What must be read fast or changed atomically: inventory, hosts' free capacity, VMs, leases, counters.

    Keys: (`zone`, id), (`host`, id), (`vm`, id), (`lease`, `<network>#<ip>`), (`counter`, name), ...
    """

    class Meta:
        table_name = _SETTINGS.state_table
        region = _SETTINGS.region

    kind = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)
    data = JSONAttribute(null=True)
    free_cpu = NumberAttribute(null=True)
    free_memory = NumberAttribute(null=True)
    value = NumberAttribute(null=True)
    owner = UnicodeAttribute(null=True)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.data or {})


def create_tables() -> None:
    """Create both tables if absent (local stack and tests; on AWS the template creates them)."""
    for model in (EventRecord, StateRecord):
        if not model.exists():
            model.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
