"""The event store on DynamoDB: load a stream, commit events together with the effects they explain.

Atomicity comes from DynamoDB conditions in one TransactWriteItems, never from reading first in Python.
"""
from __future__ import annotations

import random
import time
import uuid
from typing import Any, Callable, Mapping, Sequence

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.aws.models import EventRecord, StateRecord, index_keys, row_key
from chalicelib import telemetry
from chalicelib.core import effects as fx
from chalicelib.core.errors import ConcurrencyConflict, InsufficientCapacity, JobledgerError, KeyRevoked
from chalicelib.core.events import Event, chained, job_stream, upcast
from chalicelib.core.fold import JobState, fold, job_row
from chalicelib.core.rows import Head, head_key, heads_of, job_attributes, vm_attributes

_CONNECTION: list[Connection] = []


def _connection() -> Connection:
    """One lazily made connection for transactions (no AWS client at import: cold start)."""
    if not _CONNECTION:
        _CONNECTION.append(Connection(region=EventRecord.Meta.region))
    return _CONNECTION[0]


def use_connection(connection: Connection | None) -> None:
    """Inject the PynamoDB connection transactions use (None: the one made lazily from the settings)."""
    _CONNECTION.clear()
    if connection is not None:
        _CONNECTION.append(connection)


class TransientConflict(ConcurrencyConflict):
    """Cancelled by another transaction on the same items, or throttled: nothing was written, try again."""


class IpTaken(JobledgerError):
    """The address was leased by someone else between choosing it and committing."""


class NameTaken(JobledgerError):
    """A unique name is already held."""


class VmGone(JobledgerError):
    """A command was queued on a VM that has no state row."""


class StorageFull(JobledgerError):
    """A zone's primary storage lacks the room a volume needs."""


class StaleVersion(ConcurrencyConflict):
    """A versioned row (volume, key pair, tag) changed since it was read: decide again from the fresh row."""


def load_stream(stream: str, *, until: str | None = None) -> list[Event]:
    """Every event of a stream in seq order: one strongly consistent, paged Query."""
    out = []
    for record in EventRecord.query(stream, consistent_read=True):
        if until is not None and record.at > until:
            break
        out.append(to_event(record))
    return out


def load_stream_as_stored(stream: str) -> list[Event]:
    """A stream exactly as stored (schema and data not upcast: what each hash covers), for checking hashes."""
    return [as_stored(r) for r in EventRecord.query(stream, consistent_read=True)]


def as_stored(record: EventRecord) -> Event:
    return Event(stream=record.stream, seq=int(record.seq), type=record.type, data=dict(record.data or {}),
                 at=record.at, actor=dict(record.actor or {}), schema=int(record.schema), hash=record.hash or "")


def to_event(record: EventRecord) -> Event:
    data = upcast(record.type, int(record.schema), dict(record.data or {}))
    return Event(stream=record.stream, seq=int(record.seq), type=record.type, data=data,
                 at=record.at, actor=dict(record.actor or {}), schema=int(record.schema), hash=record.hash or "")


def to_record(event: Event) -> EventRecord:
    if not event.hash:
        raise ValueError(f"{event.stream} seq {event.seq}: events are chained before they are stored")
    return EventRecord(event.stream, event.seq, type=event.type, schema=event.schema, at=event.at,
                       actor=dict(event.actor), data=dict(event.data), hash=event.hash)


def commit(events: Sequence[Event], effects: Sequence[fx.Effect] = ()) -> None:
    """Append `events` (each only if its seq is free) and apply `effects`, all or nothing.

    A transaction cancelled by a conflicting transaction or throttling is tried again after a jittered
    backoff; a failed condition never is: it means something, and is raised as the domain error it means.
    """
    heads = heads_of(events)
    writes = [_event_write(e) for e in events] + [_effect_write(e, heads) for e in effects]
    writes += _head_writes(heads, effects)
    # pynamodb sends condition checks, deletes, puts and updates in that order: label the reasons alike.
    writes.sort(key=lambda w: _GROUP_ORDER.index(w[0]))
    for attempt in range(COMMIT_TRIES):
        try:
            # the token makes botocore's own retries of this very request idempotent
            with TransactWrite(connection=_connection(), client_request_token=uuid.uuid4().hex) as transaction:
                for _, _, write in writes:
                    write(transaction)
            return
        except TransactWriteError as exc:
            error = _explain(exc, [label for _, label, _ in writes])
            if not isinstance(error, TransientConflict) or attempt == COMMIT_TRIES - 1:
                raise error from exc
        time.sleep(random.uniform(0, BACKOFF_BASE * 2 ** attempt))  # full jitter


COMMIT_TRIES, BACKOFF_BASE = 5, 0.02
_GROUP_ORDER = ("check", "delete", "put", "update")
Write = tuple[str, Any, Callable[[TransactWrite], None]]


def _event_write(event: Event) -> Write:
    record = to_record(event)
    # Two writers can never both write seq N of a stream.
    return "put", event, lambda t: t.save(record, condition=EventRecord.seq.does_not_exist())


def _effect_write(effect: fx.Effect, heads: Mapping[str, Head]) -> Write:
    if isinstance(effect, fx.ReserveCapacity):
        host = StateRecord("host", effect.hostid)
        # Allowed only while the host still has both resources free: no over-commit under any concurrency.
        enough = (StateRecord.free_cpu >= effect.cpu) & (StateRecord.free_memory >= effect.memory)
        actions = [StateRecord.free_cpu.add(-effect.cpu), StateRecord.free_memory.add(-effect.memory)]
        return "update", effect, lambda t: t.update(host, actions=actions, condition=enough)
    if isinstance(effect, fx.ReleaseCapacity):
        host = StateRecord("host", effect.hostid)
        actions = [StateRecord.free_cpu.add(effect.cpu), StateRecord.free_memory.add(effect.memory)]
        return "update", effect, lambda t: t.update(host, actions=actions, condition=StateRecord.kind.exists())
    if isinstance(effect, fx.LeaseIp):
        lease = StateRecord("lease", fx.lease_id(effect.networkid, effect.ip), holder=effect.vmid,
                            data={"networkid": effect.networkid, "ip": effect.ip, "vmid": effect.vmid})
        return "put", effect, lambda t: t.save(lease, condition=StateRecord.kind.does_not_exist())
    if isinstance(effect, fx.ReleaseIp):
        lease = StateRecord("lease", fx.lease_id(effect.networkid, effect.ip))
        # Only the VM that holds the lease gives it back.
        return "delete", effect, lambda t: t.delete(lease, condition=StateRecord.holder == effect.vmid)
    if isinstance(effect, fx.PutState):
        listed: dict[str, Any] = dict(effect.listed or {})
        row = StateRecord(effect.kind, effect.id, data=dict(effect.data),
                          free_cpu=effect.free_cpu, free_memory=effect.free_memory, **listed)
        if effect.require is None:
            return "put", effect, lambda t: t.save(row)
        unchanged = _holds(*effect.require)
        return "put", effect, lambda t: t.save(row, condition=unchanged)
    if isinstance(effect, fx.Require):
        key = row_key(effect.kind, effect.id)
        held = getattr(StateRecord, effect.attribute)
        as_read = held.does_not_exist() if effect.value is None else held == effect.value
        return "check", effect, lambda t: t.condition_check(StateRecord, key, condition=as_read)
    if isinstance(effect, fx.Claim):
        claim = StateRecord(effect.kind, effect.id, holder=effect.holder)
        return "put", effect, lambda t: t.save(claim, condition=StateRecord.kind.does_not_exist())
    if isinstance(effect, fx.DeleteState):
        gone = StateRecord(effect.kind, effect.id)
        return "delete", effect, lambda t: t.delete(gone)
    if isinstance(effect, fx.PutVm):
        return "update", effect, _vm_update(effect)
    if isinstance(effect, (fx.QueueVmJob, fx.DequeueVmJob)):
        vm = StateRecord("vm", effect.vmid)
        job = {int(effect.jobid)}
        queue: Any = StateRecord.pending.add(job) if isinstance(effect, fx.QueueVmJob) else \
            StateRecord.pending.delete(job)
        return "update", effect, lambda t: t.update(vm, actions=[queue], condition=StateRecord.kind.exists())
    if isinstance(effect, fx.PutJob):
        stream = job_stream(str(effect.job["jobid"]))
        if stream not in heads:  # the row would lose its head: the audit would call the stream tampered with
            raise ValueError(f"{stream}: a job row is written only with the job's new events")
        return "put", effect, _save(job_record(effect.job, heads[stream]))
    if isinstance(effect, (fx.PutVersioned, fx.DropVersioned, fx.ReserveStorage, fx.ReleaseStorage)):
        return _storage_write(effect)
    if isinstance(effect, fx.RequireKey):
        # The key row exists and is not disabled (rows written before `keystate` existed carry none).
        usable = StateRecord.kind.exists() & (StateRecord.keystate.does_not_exist() |
                                              (StateRecord.keystate == "enabled"))
        key = row_key("apikey", effect.apikey)
        return "check", effect, lambda t: t.condition_check(StateRecord, key, condition=usable)
    raise TypeError(f"unknown effect {effect!r}")


def _holds(attribute: str, value: str) -> Any:
    """The row's attribute still has `value` (any value when empty)."""
    held = getattr(StateRecord, attribute)
    return held.exists() if value == "" else held == value


def _storage_write(effect: Any) -> Write:
    """Versioned rows and zones' used storage (rows (`storage`, zone id or `<zone>#<pool>`), `value` = bytes
    used)."""
    if isinstance(effect, fx.PutVersioned):
        version = int(effect.data["version"])
        listed: dict[str, Any] = dict(effect.listed or {})
        row = StateRecord(effect.kind, effect.id, data=dict(effect.data), value=version, **listed)
        # version 1 creates the row; version n replaces exactly version n - 1 (no lost update)
        follows = StateRecord.kind.does_not_exist() if version == 1 else StateRecord.value == version - 1
        return "put", effect, lambda t: t.save(row, condition=follows)
    if isinstance(effect, fx.DropVersioned):
        gone = StateRecord(effect.kind, effect.id)
        return "delete", effect, lambda t: t.delete(gone, condition=StateRecord.value == effect.version)
    pool = fx.storage_id(effect.zoneid, effect.pool)
    zone = StateRecord("storage", pool)
    if isinstance(effect, fx.ReleaseStorage):
        return "update", effect, lambda t: t.update(zone, actions=[StateRecord.value.add(-effect.size)],
                                                   condition=StateRecord.kind.exists())
    room = None  # the used total after the reservation stays within the zone's capacity
    if effect.capacity is not None:
        limit = effect.capacity - effect.size
        room = StateRecord.value.does_not_exist() | (StateRecord.value <= limit)
    actions = [StateRecord.value.add(effect.size), *_identity("storage", pool)]  # the first one makes the row
    return "update", effect, lambda t: t.update(zone, actions=actions, condition=room)


def _vm_update(effect: fx.PutVm) -> Callable[[TransactWrite], None]:
    vmid = str(effect.vm["id"])
    attributes = vm_attributes(effect.vm)
    row = StateRecord("vm", vmid)
    # the first update makes the row: its kind, id and index keys are set with its attributes (unchanged values
    # rewritten later write no index)
    attributes.update({k: v for k, v in index_keys("vm", vmid, attributes).items() if k != "pk"})
    actions: list[Any] = [getattr(StateRecord, name).set(value) for name, value in attributes.items()]
    actions += _identity("vm", vmid)
    if effect.add_job:
        actions.append(StateRecord.pending.add({int(effect.add_job)}))
    if effect.done_job:
        actions.append(StateRecord.pending.delete({int(effect.done_job)}))
    return lambda t: t.update(row, actions=actions)


def job_record(job: Mapping[str, Any], head: Head | None = None) -> StateRecord:
    attributes = job_attributes(job)
    if head is not None:
        attributes["head"] = head.text()
    return StateRecord("job", str(job["jobid"]), **attributes)


def _head_writes(heads: Mapping[str, Head], effects: Sequence[fx.Effect]) -> list[Write]:
    """Each stream's new head, in the transaction that appends its events (invariant 8: the audit finds a
    truncated or re-sealed tail without a seal). A job's rides on its job row, rewritten with every job event;
    a job event committed without its row sets the attribute alone; any other stream has a head row."""
    with_row = {job_stream(str(e.job["jobid"])) for e in effects if isinstance(e, fx.PutJob)}
    out: list[Write] = []
    for stream, head in sorted(heads.items()):
        kind, id_ = head_key(stream)
        if stream in with_row:
            continue
        if kind == "job":
            out.append(("update", head, _set_head(StateRecord(kind, id_), head)))
        else:
            out.append(("put", head, _save(StateRecord(kind, id_, head=head.text()))))
    return out


def _set_head(row: StateRecord, head: Head) -> Callable[[TransactWrite], None]:
    return lambda t: t.update(row, actions=[StateRecord.head.set(head.text()), *_identity(row.kind, row.id)])


def _identity(kind: str, id_: str) -> list[Any]:
    """An update that may make its row sets the row's kind and id (what every row carries besides its key)."""
    return [StateRecord.kind.set(kind), StateRecord.id.set(id_)]


def _save(row: StateRecord) -> Callable[[TransactWrite], None]:
    return lambda t: t.save(row)


def _explain(exc: TransactWriteError, labels: Sequence[Any]) -> Exception:
    """Map the first failed condition to the domain error it means."""
    reasons = exc.cancellation_reasons or []
    for label, reason in zip(labels, reasons, strict=False):
        if reason is None or reason.code != "ConditionalCheckFailed":
            continue
        if isinstance(label, fx.ReserveCapacity):
            return InsufficientCapacity(f"host {label.hostid} lacks capacity")
        if isinstance(label, fx.LeaseIp):
            return IpTaken(f"{label.ip} in network {label.networkid} is leased")
        if isinstance(label, fx.QueueVmJob):
            return VmGone(f"vm {label.vmid} does not exist")
        if isinstance(label, fx.Claim):
            return NameTaken(f"{label.kind} {label.id} is taken")
        if isinstance(label, fx.ReserveStorage):
            return StorageFull(f"zone {label.zoneid} lacks {label.size} bytes of storage")
        if isinstance(label, (fx.PutVersioned, fx.DropVersioned)):
            return StaleVersion(f"{label.kind} {label.id} changed since it was read")
        if isinstance(label, fx.RequireKey):
            return KeyRevoked("the request's API key was revoked before its write committed")
        return ConcurrencyConflict(f"condition failed on {label!r}")
    if any(r is not None and r.code in _TRANSIENT for r in reasons):
        return TransientConflict("transaction cancelled by a conflict or throttling")
    return exc


_TRANSIENT = ("TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded")


def commit_job(jobid: str, history: Sequence[Event], new: Sequence[Event],
               effects: Sequence[fx.Effect] = ()) -> tuple[JobState, list[Event]]:
    """Chain a job's new events to its history (here, once), append them with their effects and the job's
    refreshed summary row; answer the new state and the events as stored."""
    chained_new = chained(history[-1] if history else None, new)
    job = fold(jobid, [*history, *chained_new])
    commit(chained_new, [*effects, fx.PutJob(job_row(job))])
    if job.finished:  # every job's terminal event is committed here
        telemetry.job_finished(job)
    return job, chained_new
