"""Events: immutable facts, their types, schema versions and upcasting. Pure: no I/O."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Callable, Mapping, Sequence

JOB_SUBMITTED = "JobSubmitted"
JOB_STARTED = "JobStarted"
JOB_PROGRESSED = "JobProgressed"
JOB_COMPLETED = "JobCompleted"
JOB_FAILED = "JobFailed"
INVENTORY_LOADED = "InventoryLoaded"
DOMAIN_CREATED = "DomainCreated"
ACCOUNT_CREATED = "AccountCreated"
ACCOUNT_DELETED = "AccountDeleted"
USER_CREATED = "UserCreated"
USER_KEYS_REGISTERED = "UserKeysRegistered"
USER_DISABLED = "UserDisabled"
USER_ENABLED = "UserEnabled"
USER_DELETED = "UserDeleted"
USER_UPDATED = "UserUpdated"
VOLUME_DELETED = "VolumeDeleted"
SSH_KEYPAIR_REGISTERED = "SSHKeyPairRegistered"
SSH_KEYPAIR_DELETED = "SSHKeyPairDeleted"
RESOURCE_TYPES = (VOLUME_DELETED, SSH_KEYPAIR_REGISTERED, SSH_KEYPAIR_DELETED)
DIRECTORY_TYPES = (DOMAIN_CREATED, ACCOUNT_CREATED, ACCOUNT_DELETED, USER_CREATED, USER_KEYS_REGISTERED,
                   USER_DISABLED, USER_ENABLED, USER_DELETED, USER_UPDATED)

JOB_EVENT_TYPES = (JOB_SUBMITTED, JOB_STARTED, JOB_PROGRESSED, JOB_COMPLETED, JOB_FAILED)
TERMINAL_TYPES = (JOB_COMPLETED, JOB_FAILED)

# The schema version each event type is written with today. JobCompleted 2: a VM job whose result is the VM's
# own view keeps the VM's document and its tags, not the rendered result (code that knows only v1 refuses it
# as an unknown version instead of misreading it). (JobStarted's optional `procstatus` is read by v1 readers
# as before: it needs no new version.)
CURRENT_SCHEMA: dict[str, int] = {**{t: 1 for t in (*JOB_EVENT_TYPES, INVENTORY_LOADED, *DIRECTORY_TYPES,
                                                     *RESOURCE_TYPES)}, JOB_COMPLETED: 2}

# Upcasters: (type, from_version) -> function turning that version's data dict into the next version's.
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
UPCASTERS: dict[tuple[str, int], Upcaster] = {
    (JOB_COMPLETED, 1): dict,  # v1 always carries `result`, which v2 reads as it is
}

# Parameters that must never reach the log in clear (docs/ARCHITECTURE.md, invariants).
SENSITIVE_PARAMETERS = frozenset({"signature", "apikey", "password", "userdata", "secretkey"})


@dataclass(frozen=True)
class Event:
    stream: str
    seq: int
    type: str
    data: Mapping[str, Any]
    at: str
    actor: Mapping[str, str] = field(default_factory=dict)
    schema: int = 1
    hash: str = ""  # sha256 over this event's content and the previous event's hash (tamper evidence)


def job_stream(jobid: str) -> str:
    return f"job#{jobid}"


def now_iso() -> str:
    """UTC with millisecond precision: the time every event records."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_event(stream: str, seq: int, type_: str, data: Mapping[str, Any],
              actor: Mapping[str, str], at: str | None = None) -> Event:
    return Event(stream=stream, seq=seq, type=type_, data=dict(data), at=at or now_iso(),
                 actor=dict(actor), schema=CURRENT_SCHEMA[type_])


GENESIS = "0" * 64


def content_hash(e: Event, previous: str) -> str:
    """The chain link: a hash over the event's stored content (as written) and its predecessor's hash."""
    body = json.dumps({"stream": e.stream, "seq": e.seq, "type": e.type, "schema": e.schema, "at": e.at,
                       "actor": e.actor, "data": e.data, "previous": previous},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def chained(previous: Event | None, new: Sequence[Event]) -> list[Event]:
    """`new` with their hashes set, each linked to the one before (the first to `previous`)."""
    out = []
    link = previous.hash if previous is not None else GENESIS
    for e in new:
        e = replace(e, hash=content_hash(e, link))
        out.append(e)
        link = e.hash
    return out


def upcast(type_: str, schema: int, data: dict[str, Any]) -> dict[str, Any]:
    """Bring a stored event's data up to the current schema, one version at a time."""
    target = CURRENT_SCHEMA.get(type_)
    if target is None or schema > target:
        raise ValueError(f"unknown event schema: {type_} v{schema}")
    while schema < target:
        data = UPCASTERS[(type_, schema)](dict(data))
        schema += 1
    return data


def loggable_parameters(params: Mapping[str, str]) -> dict[str, str]:
    """The request parameters as they may be stored: secrets and transport fields dropped."""
    return {k: v for k, v in params.items() if k not in SENSITIVE_PARAMETERS
            and k not in ("response", "command", "expires", "signatureversion")}
