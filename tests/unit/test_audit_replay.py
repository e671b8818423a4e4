"""Replay from the log alone: capacity, leases, time travel, the store's rules, counters, the export format."""
from __future__ import annotations

from jobledger.audit.report import audit, totals
from jobledger.audit.jsonl import FIELDS, event_line, log_lines, parse_line, read_lines
from jobledger.audit.replay import as_of_instant, counters, job_fields
from chalicelib.core import events as ev
from chalicelib.core import vm as vms
from chalicelib.core.fold import fold, job_row
from tests.unit.test_audit_verify import MEDIUM, at, deployed, inventory_stream, job_stream, new_vm, running

FULL_CPU, FULL_MEMORY = 2500, 3072


def host(result) -> tuple[int, int]:
    row = result.rebuilt.table.get("host", "2")
    return row["free_cpu"], row["free_memory"]


def leases(result) -> dict[str, str]:
    return {id_: row["holder"] for id_, row in result.rebuilt.table.of_kind("lease")}


def a_log() -> dict[str, list[ev.Event]]:
    """Two VMs deployed at 1 s and 2 s; the first stopped at 3 s and destroyed at 4 s."""
    first, vm100 = deployed("1", "100", 1, "10.1.1.2")
    second, _ = deployed("2", "101", 2, "10.1.1.3")
    stopped = vms.unplaced(vms.with_state(vm100, "Stopped"))
    destroyed = dict(vms.with_state(stopped, "Destroyed"), nic=[])
    return {"inventory": inventory_stream(), "job#1": first, "job#2": second,
            "job#3": job_stream("3", "stopVirtualMachine", vm100, stopped, 3),
            "job#4": job_stream("4", "destroyVirtualMachine", stopped, destroyed, 4)}


def test_capacity_and_leases_follow_the_vm_documents():
    result = audit(a_log(), None)
    assert result.problems == []
    assert host(result) == (FULL_CPU - 500, FULL_MEMORY - 512)
    assert leases(result) == {"205#10.1.1.3": "101"}
    assert totals(result)["vms_by_state"] == {"Destroyed": 1, "Running": 1}
    assert result.rebuilt.table.get("vm", "101")["vmstate"] == "Running"
    assert "pending" not in result.rebuilt.table.get("vm", "101")


def test_as_of_shows_the_log_at_an_instant():
    log = a_log()
    assert host(audit(log, None, at(2.5))) == (FULL_CPU - 1000, FULL_MEMORY - 1024)
    assert leases(audit(log, None, at(2.5))) == {"205#10.1.1.2": "100", "205#10.1.1.3": "101"}
    mid_deploy = audit(log, None, at(1.015))  # job 1 submitted and started (procstatus 1), not finished
    assert {j: (s.status, s.procstatus) for j, s in mid_deploy.rebuilt.jobs.items()} == {"1": (0, 1)}
    assert mid_deploy.rebuilt.table.get("vm", "100")["pending"] == {1}
    assert host(mid_deploy) == (FULL_CPU, FULL_MEMORY)
    assert as_of_instant("2026-11-27T11:00:00+01:00") == "2026-11-27T10:00:00.000Z"


def test_a_log_that_over_commits_a_host_is_named():
    log = {"inventory": inventory_stream()}
    for n in range(3):  # three Medium Instances of 1,000 MHz on a 2,500 MHz host
        vm = new_vm(str(100 + n), 1 + n, MEDIUM)
        log[f"job#{n + 1}"] = job_stream(str(n + 1), "deployVirtualMachine", vm,
                                          running(vm, str(561 + n), f"10.1.1.{2 + n}"), 1 + n)
    assert [str(p) for p in audit(log, None).problems] == [
        "job#3 seq 3: JobCompleted: host 2 over-committed: free capacity below zero"]


def test_a_log_that_leases_an_address_twice_is_named():
    log = {"inventory": inventory_stream(), "job#1": deployed("1", "100", 1, "10.1.1.2")[0],
           "job#2": deployed("2", "101", 2, "10.1.1.2")[0]}
    assert [str(p) for p in audit(log, None).problems] == [
        "job#2 seq 3: JobCompleted: 10.1.1.2 in network 205 leased twice (vm 100 and vm 101)"]


def test_counters_go_past_every_id_the_log_used():
    assert counters(audit(a_log(), None).rebuilt) == {"vm": 101, "job": 4, "nic": 562, "ipcursor#205": 1}


def test_the_export_format_is_one_stable_line_per_event():
    log = a_log()
    lines = list(log_lines(log))
    assert len(lines) == sum(len(s) for s in log.values())
    assert [parse_line(line).at for line in lines] == sorted(parse_line(line).at for line in lines)
    first = log["job#1"][0]
    assert parse_line(event_line(first)) == first
    assert list(__import__("json").loads(event_line(first))) == list(FIELDS)
    assert read_lines(lines) == log


def test_replayed_job_rows_are_the_stores_job_rows():
    for stream in a_log().values():
        if stream[0].stream.startswith("job#"):
            job = fold(stream[0].stream.split("#")[1], stream)
            assert job_fields(job) == job_row(job)
