"""The event store on DynamoDB: load a stream, commit events together with the effects they explain.

Atomicity comes from DynamoDB conditions in one TransactWriteItems, never from reading first in Python.
"""
from __future__ import annotations

from typing import Any, Sequence

from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib import effects as fx
from chalicelib.errors import ConcurrencyConflict, InsufficientCapacity, JobledgerError
from chalicelib.events import JOB_SUBMITTED, Event, upcast
from chalicelib.models import EventRecord, StateRecord


_CONNECTION: list[Connection] = []


def _connection() -> Connection:
    """One lazily made connection for transactions (no AWS client at import: cold start)."""
    if not _CONNECTION:
        _CONNECTION.append(Connection(region=EventRecord.Meta.region))
    return _CONNECTION[0]


class IpTaken(JobledgerError):
    """The address was leased by someone else between choosing it and committing."""


def load_stream(stream: str, *, until: str | None = None) -> list[Event]:
    """Every event of a stream in seq order: one strongly consistent, paged Query."""
    out = []
    for record in EventRecord.query(stream, consistent_read=True):
        if until is not None and record.at > until:
            break
        out.append(to_event(record))
    return out


def to_event(record: EventRecord) -> Event:
    data = upcast(record.type, int(record.schema), dict(record.data or {}))
    return Event(stream=record.stream, seq=int(record.seq), type=record.type, data=data,
                 at=record.at, actor=dict(record.actor or {}), schema=int(record.schema))


def to_record(event: Event) -> EventRecord:
    record = EventRecord(event.stream, event.seq, type=event.type, schema=event.schema, at=event.at,
                         actor=dict(event.actor), data=dict(event.data))
    if event.type == JOB_SUBMITTED:  # feeds the sparse jobs-by-account index
        record.accountid = event.data["accountid"]
    return record


def commit(events: Sequence[Event], effects: Sequence[fx.Effect] = ()) -> None:
    """Append `events` (each only if its seq is free) and apply `effects`, all or nothing."""
    if len(events) == 1 and not effects:
        _put_one(events[0])
        return
    labels: list[Any] = []
    puts: list[tuple[Any, Any]] = []
    updates: list[tuple[Any, Any]] = []
    for event in events:
        puts.append((event, lambda t, e=event: t.save(to_record(e), condition=EventRecord.seq.does_not_exist())))
    for effect in effects:
        (puts if isinstance(effect, (fx.LeaseIp, fx.PutState)) else updates).append((effect, _writer(effect)))
    ops = _deletes(effects) + puts + updates  # pynamodb sends checks, deletes, puts, updates in this order
    try:
        with TransactWrite(connection=_connection()) as transaction:
            for label, write in ops:
                write(transaction)
                labels.append(label)
    except TransactWriteError as exc:
        raise _explain(exc, labels) from exc


def _put_one(event: Event) -> None:
    try:
        to_record(event).save(condition=EventRecord.seq.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise ConcurrencyConflict(f"{event.stream} seq {event.seq} already written") from exc
        raise


def _deletes(effects: Sequence[fx.Effect]) -> list[tuple[Any, Any]]:
    out: list[tuple[Any, Any]] = []
    for effect in effects:
        if isinstance(effect, fx.ReleaseIp):
            key = fx.lease_id(effect.networkid, effect.ip)
            # Only the VM that holds the lease gives it back.
            condition = StateRecord.owner == effect.vmid
            out.append((effect, lambda t, k=key, c=condition: t.delete(StateRecord("lease", k), condition=c)))
    return out


def _writer(effect: fx.Effect) -> Any:
    if isinstance(effect, fx.ReserveCapacity):
        host = StateRecord("host", effect.hostid)
        # Allowed only while the host still has both resources free: no over-commit under any concurrency.
        enough = (StateRecord.free_cpu >= effect.cpu) & (StateRecord.free_memory >= effect.memory)
        actions = [StateRecord.free_cpu.add(-effect.cpu), StateRecord.free_memory.add(-effect.memory)]
        return lambda t: t.update(host, actions=actions, condition=enough)
    if isinstance(effect, fx.ReleaseCapacity):
        host = StateRecord("host", effect.hostid)
        actions = [StateRecord.free_cpu.add(effect.cpu), StateRecord.free_memory.add(effect.memory)]
        return lambda t: t.update(host, actions=actions, condition=StateRecord.kind.exists())
    if isinstance(effect, fx.LeaseIp):
        lease = StateRecord("lease", fx.lease_id(effect.networkid, effect.ip),
                            owner=effect.vmid, data={"networkid": effect.networkid, "ip": effect.ip})
        return lambda t: t.save(lease, condition=StateRecord.kind.does_not_exist())
    if isinstance(effect, fx.PutState):
        row = StateRecord(effect.kind, effect.id, data=dict(effect.data),
                          free_cpu=effect.free_cpu, free_memory=effect.free_memory)
        return lambda t: t.save(row)
    raise TypeError(f"unknown effect {effect!r}")


def _explain(exc: TransactWriteError, labels: Sequence[Any]) -> Exception:
    """Map the first failed condition to the domain error it means."""
    reasons = exc.cancellation_reasons or []
    for label, reason in zip(labels, reasons):
        if reason is None or reason.code != "ConditionalCheckFailed":
            continue
        if isinstance(label, fx.ReserveCapacity):
            return InsufficientCapacity(f"host {label.hostid} lacks capacity")
        if isinstance(label, fx.LeaseIp):
            return IpTaken(f"{label.ip} in network {label.networkid} is leased")
        return ConcurrencyConflict(f"condition failed on {label!r}")
    if any(r is not None and r.code == "TransactionConflict" for r in reasons):
        return ConcurrencyConflict("transaction conflict")
    return exc
