"""Effects: the state changes an event explains, committed in the same transaction as the event. Pure."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence, Union


@dataclass(frozen=True)
class ReserveCapacity:
    """Take CPU (MHz) and memory (MB) from a host, only if it has them free."""

    hostid: str
    cpu: int
    memory: int


@dataclass(frozen=True)
class ReleaseCapacity:
    hostid: str
    cpu: int
    memory: int


@dataclass(frozen=True)
class LeaseIp:
    """Lease an address of a network to a VM, only if nobody holds it."""

    networkid: str
    ip: str
    vmid: str


@dataclass(frozen=True)
class ReleaseIp:
    networkid: str
    ip: str
    vmid: str


@dataclass(frozen=True)
class PutState:
    """Write a state row whole: a VM's current document, an inventory item (hosts with free capacity)."""

    kind: str
    id: str
    data: Mapping[str, Any]
    free_cpu: int | None = None
    free_memory: int | None = None
    listed: Mapping[str, str] | None = None  # listing-index attributes: sort, owner, domainid
    # written only while the row's `attribute` still has this value ("" : while it has one): a row read, changed
    # and written back is not written over a change made meanwhile (a user deleted, a key disabled)
    require: tuple[str, str] | None = None


@dataclass(frozen=True)
class Claim:
    """Take a unique name (an account name in a domain, a username): fails if someone holds it."""

    kind: str
    id: str
    holder: str


@dataclass(frozen=True)
class DeleteState:
    kind: str
    id: str


@dataclass(frozen=True)
class PutVm:
    """Write a VM's document; `add_job` queues a job on it, `done_job` takes a finished one off its queue."""

    vm: Mapping[str, Any]
    add_job: str | None = None
    done_job: str | None = None


@dataclass(frozen=True)
class QueueVmJob:
    """Queue a job on an existing VM (its commands run one at a time, in job id order)."""

    vmid: str
    jobid: str


@dataclass(frozen=True)
class DequeueVmJob:
    """Take a job off its VM's queue without touching the VM's document (the job ended without acting on it)."""

    vmid: str
    jobid: str


@dataclass(frozen=True)
class PutJob:
    """Write a job's summary row (the fold of its stream) for listing and sweeping."""

    job: Mapping[str, Any]


@dataclass(frozen=True)
class Require:
    """Write nothing; commit only while a row's attribute has the value read (None: while the row or the attribute
    is absent): what a change decided from that row rests on (a stream's head, for an account deleted with its
    users)."""

    kind: str
    id: str
    attribute: str
    value: str | None


@dataclass(frozen=True)
class RequireKey:
    """Write nothing; commit only while the API key the request was signed with is still enabled. Every write a
    signed request makes carries it, so a key disabled or deleted (the revocation commits first) can never
    have a write accepted after the revocation's answer, however the two requests interleave."""

    apikey: str




class Also:
    """Events and effects to commit in the same transaction as another event (a job's submission with a
    revocation, a job's end with the tenant change it made, a caller's RequireKey guard)."""

    def __init__(self, events: Sequence[Any] = (), effects: Sequence[Effect] = ()) -> None:
        self.events, self.effects = list(events), list(effects)


def lease_id(networkid: str, ip: str) -> str:
    return f"{networkid}#{ip}"


@dataclass(frozen=True)
class PutVersioned:
    """Write a row whose `version` (in its data) must follow the stored one: version 1 only if the row is absent,
    version n only over n - 1. Volumes, key pairs and tags change this way (optimistic: a lost race is retried)."""

    kind: str
    id: str
    data: Mapping[str, Any]
    listed: Mapping[str, str] | None = None


@dataclass(frozen=True)
class DropVersioned:
    """Delete a versioned row, only if it is still at `version`."""

    kind: str
    id: str
    version: int


@dataclass(frozen=True)
class ReserveStorage:
    """Take `size` bytes of a zone's primary storage (of its pool `pool`; "": the zone's one pool), only while the
    used total stays within `capacity` (the pool's share; None: the zone's storage is not bounded)."""

    zoneid: str
    size: int
    capacity: int | None = None
    pool: str = ""


@dataclass(frozen=True)
class ReleaseStorage:
    zoneid: str
    size: int
    pool: str = ""


def storage_id(zoneid: str, pool: str = "") -> str:
    """The state row of a zone's storage pool: (`storage`, zone) for a zone of one pool, else `<zone>#<pool>`."""
    return f"{zoneid}#{pool}" if pool else zoneid


Effect = Union[ReserveCapacity, ReleaseCapacity, LeaseIp, ReleaseIp, PutState, PutVm, QueueVmJob, DequeueVmJob,
               PutJob, Claim, DeleteState, Require, RequireKey, PutVersioned, DropVersioned, ReserveStorage,
               ReleaseStorage]
