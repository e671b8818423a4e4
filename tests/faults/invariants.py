"""The invariants 1-4 of docs/ARCHITECTURE.md, checked against what the stores hold after a run."""
from __future__ import annotations

from collections import Counter

from jobledger import inventory
from chalicelib.aws import eventlog
from chalicelib.aws.models import EventRecord, StateRecord
from chalicelib.core import events as ev
from chalicelib.core import vm
from chalicelib.core.fold import fold

LIVE = ("Running", "Stopped", "Starting", "Stopping")


def violations(jobids: list[str]) -> list[str]:
    """Every invariant broken, in words; an empty list when all hold."""
    return [*_jobs_end_once(jobids), *_capacity_matches(), *_leases_match()]


def _jobs_end_once(jobids: list[str]) -> list[str]:
    out = []
    recorded = {r.stream.split("#", 1)[1] for r in EventRecord.scan() if r.stream.startswith("job#")}
    for jobid in sorted(set(jobids) | recorded, key=int):
        events = eventlog.load_stream(ev.job_stream(jobid))
        terminal = [e for e in events if e.type in ev.TERMINAL_TYPES]
        if len(terminal) != 1 or not fold(jobid, events).finished:  # fold also refuses anything after the end
            out.append(f"invariant 1: job {jobid} has {len(terminal)} terminal events")
    return out


def _vms() -> list[dict]:
    return [r.as_dict() for r in _rows("vm")]


def _capacity_matches() -> list[str]:
    out = []
    used: Counter = Counter()
    for doc in _vms():
        if doc["state"] == "Running" and doc.get("hostid"):
            cpu, memory = vm.needs(doc)
            used[(doc["hostid"], "cpu")] += cpu
            used[(doc["hostid"], "memory")] += memory
    for host in _rows("host"):
        total_cpu, total_memory = inventory.host_capacity(host.as_dict())
        if host.free_cpu != total_cpu - used[(host.id, "cpu")] or \
                host.free_memory != total_memory - used[(host.id, "memory")]:
            out.append(f"invariant 2/3: host {host.id} free {host.free_cpu}/{host.free_memory}, "
                       f"used by VMs {used[(host.id, 'cpu')]}/{used[(host.id, 'memory')]}")
        if host.free_cpu < 0 or host.free_memory < 0:
            out.append(f"invariant 3: host {host.id} over-committed")
    return out


def _leases_match() -> list[str]:
    held = Counter((n["networkid"], n["ipaddress"], d["id"]) for d in _vms() if d["state"] in LIVE
                   for n in d.get("nic", []))
    addresses = Counter((net, ip) for net, ip, _ in held)
    out = [f"invariant 4: {key} held by {n} VMs" for key, n in addresses.items() if n > 1]
    leases = {(r.as_dict()["networkid"], r.as_dict()["ip"], r.holder) for r in _rows("lease")}
    if leases != set(held):
        out.append(f"invariant 4: leases {sorted(leases ^ set(held))} differ from the VMs' addresses")
    for doc in _vms():
        if doc.get("pending"):
            out.append(f"vm {doc['id']} still has queued jobs")
    return out


def _rows(kind: str) -> list[StateRecord]:
    """Every row of a kind, whatever the indexes say (leases are in none): a consistent Scan."""
    return list(StateRecord.scan(StateRecord.kind == kind, consistent_read=True))
