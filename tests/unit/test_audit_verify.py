"""Integrity checks on logs built with the real pure functions, then tampered with: each change is named."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from jobledger import inventory
from jobledger.audit.report import verify
from jobledger.audit.verify import check_stream
from chalicelib.core.dates import cloudstack_date
from chalicelib.core import events as ev
from chalicelib.core import jobs
from chalicelib.core import vm as vms
from chalicelib.core.accounts import ADMIN
from chalicelib.core.fold import fold

WORKER = {"worker": "host-a", "attempt": "1", "message": "m-1"}
INVENTORY = inventory.read_inventory()
ZONE, HOST, NETWORK = INVENTORY["zones"][0], INVENTORY["hosts"][0], INVENTORY["networks"][0]
TEMPLATE = INVENTORY["templates"][0]
SMALL, MEDIUM = INVENTORY["serviceofferings"]


def at(second: float) -> str:
    return f"2026-11-27T10:{int(second // 60):02d}:{second % 60:06.3f}Z"


def sealed(events: list[ev.Event], second: float) -> list[ev.Event]:
    """The events timed 10 ms apart from `second` and chained, as the store writes them."""
    return ev.chained(None, [replace(e, at=at(second + i / 100)) for i, e in enumerate(events)])


def inventory_stream(second: float = 0) -> list[ev.Event]:
    rows = inventory.inventory_rows(INVENTORY, at(second))
    data = {"part": 1, "parts": 1, "rows": [{"kind": r.kind, "id": r.id, "data": dict(r.data)} for r in rows]}
    return sealed([ev.new_event("inventory", 1, ev.INVENTORY_LOADED, data, {"system": "bootstrap"})], second)


def new_vm(vmid: str, second: float, offering: dict[str, Any] = SMALL) -> dict[str, Any]:
    return vms.new_vm(vmid, ADMIN, at(second), "Starting", ZONE, TEMPLATE, offering)


def running(vm: dict[str, Any], nicid: str, ip: str) -> dict[str, Any]:
    return vms.placed(vm, HOST, [vms.nic(nicid, NETWORK, ip)], "Running")


def job_stream(jobid: str, command: str, vm_before: dict[str, Any], vm_after: dict[str, Any] | None,
               second: float, failure: tuple[int, str] | None = None) -> list[ev.Event]:
    """Submitted, started, then completed with `vm_after` (or failed), as the worker writes it."""
    extra = {"vm": vm_before} if command == "deployVirtualMachine" else None
    submitted = jobs.submitted(jobid, command, ADMIN.actor("req-1"), "VirtualMachine", vm_before["id"],
                               {"zoneid": "1"}, extra, at(second))
    started = jobs.start(fold(jobid, [submitted]), 1, WORKER)
    job = fold(jobid, [submitted, *started])
    final = vm_after or vm_before
    end = jobs.failed(job, *failure, WORKER, {"vm": final}) if failure else jobs.completed_vm(
        job, [], WORKER, {"vm": final})
    return sealed([submitted, *started, end], second)


def deployed(jobid: str, vmid: str, second: float, ip: str) -> tuple[list[ev.Event], dict[str, Any]]:
    vm = new_vm(vmid, second)
    final = running(vm, str(560 + int(jobid)), ip)
    return job_stream(jobid, "deployVirtualMachine", vm, final, second), final


def problems(stream: str, events: list[ev.Event]) -> list[str]:
    return [str(p) for p in check_stream(stream, events).problems]


def test_an_intact_log_has_no_problems_and_replays_whole():
    events, final = deployed("1", "100", 1, "10.1.1.2")
    checked = check_stream("job#1", events)
    assert checked.problems == checked.warnings == [] and len(checked.events) == 3
    assert [e.type for e in checked.events] == [ev.JOB_SUBMITTED, ev.JOB_STARTED, ev.JOB_COMPLETED]
    assert fold("1", checked.events).jobresult == {"virtualmachine": vms.public_view(final, cloudstack_date)}
    assert verify({"inventory": inventory_stream(), "job#1": events}).problems == []


def test_an_edited_event_is_named():
    events, _ = deployed("1", "100", 1, "10.1.1.2")
    events[2] = replace(events[2], data={**events[2].data, "resultcode": 7})
    assert problems("job#1", events) == [
        "job#1 seq 3: JobCompleted altered: its content or its link to seq 2 does not match its hash (edited, "
        "inserted or re-sealed after it was written)"]


def test_an_edit_sealed_again_is_named_at_the_event_that_follows_it():
    events, _ = deployed("1", "100", 1, "10.1.1.2")
    forged = replace(events[1], data={"attempt": 1, "procstatus": 0})  # the JobStarted, edited and re-hashed
    events[1] = replace(forged, hash=ev.content_hash(forged, events[0].hash))
    assert [p.split(":")[0] for p in problems("job#1", events)] == ["job#1 seq 3"]


def test_a_deleted_event_is_named_wherever_it_was():
    events, _ = deployed("1", "100", 1, "10.1.1.2")
    assert problems("job#1", [events[0], *events[2:]]) == [
        "job#1 seq 2: missing: seq 2 deleted (seq 3 follows seq 1)"]
    assert problems("job#1", events[2:]) == ["job#1 seq 1: missing: seqs 1-2 deleted (the stream starts at seq 3)"]


def test_an_inserted_event_is_named():
    events, _ = deployed("1", "100", 1, "10.1.1.2")
    [inserted] = ev.chained(events[1], [replace(events[1], seq=3, data={"attempt": 2, "procstatus": 1})])
    shifted = [replace(e, seq=e.seq + 1) for e in events[2:]]
    assert [p.split(":")[0] for p in problems("job#1", [*events[:2], inserted, *shifted])] == ["job#1 seq 4"]


def test_an_event_after_the_terminal_one_is_named_and_not_replayed():
    events, _ = deployed("1", "100", 1, "10.1.1.2")
    extra = ev.chained(events[-1], [ev.new_event("job#1", 4, ev.JOB_FAILED, {"code": 530, "text": "late"}, WORKER)])
    checked = check_stream("job#1", [*events, *extra])
    assert [str(p) for p in checked.problems] == [
        "job#1 seq 4: illegal transition: JobFailed after the terminal event"]
    assert len(checked.events) == 3


def test_a_link_to_an_unhashed_event_is_a_warning_not_a_problem():
    events, _ = deployed("1", "100", 1, "10.1.1.2")
    weak = replace(events[2], hash=ev.content_hash(events[2], ""))
    checked = check_stream("job#1", [*events[:2], weak])
    assert checked.problems == [] and [p.seq for p in checked.warnings] == [3]


def test_unknown_types_and_schema_versions_are_named():
    events, _ = deployed("1", "100", 1, "10.1.1.2")
    odd = ev.chained(events[0], [replace(events[1], type="JobPaused"), replace(events[2], schema=9)])
    assert problems("job#1", [events[0], *odd]) == ["job#1 seq 2: unknown event type JobPaused"]
    assert problems("job#1", [events[0], *ev.chained(events[0], [replace(events[1], schema=9)])]) == [
        "job#1 seq 2: JobStarted schema v9 is unknown (this code reads v1 to v1)"]


def test_directory_streams_follow_their_grammar():
    user = sealed([ev.new_event("user#3", 1, ev.USER_KEYS_REGISTERED, {"apikey": "k", "secretdigest": "d"}, {})], 1)
    assert problems("user#3", user) == ["user#3 seq 1: UserKeysRegistered not allowed here"]
    account = sealed([ev.new_event("account#3", 1, ev.ACCOUNT_CREATED, {"id": "3"}, {}),
                      ev.new_event("account#3", 2, ev.ACCOUNT_DELETED, {"id": "3"}, {}),
                      ev.new_event("account#3", 3, ev.ACCOUNT_DELETED, {"id": "3"}, {})], 1)
    assert problems("account#3", account) == [
        "account#3 seq 3: AccountDeleted after AccountDeleted, which ends the stream"]
    assert problems("widget#1", user) == ["widget#1: unknown kind of stream"]
