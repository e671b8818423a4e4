"""Replay: every stream applied in time order across streams, rebuilding the rows the state table should
hold (jobs, VMs, hosts' free capacity, IP leases, inventory, domains, accounts, users, keys); `as_of` stops
the clock at an instant. Pure: no I/O.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping, Sequence

from jobledger.audit.directory_rows import directory_effects
from jobledger.audit.resource_rows import job_resource_effects, resource_effects
from jobledger.audit.table import Table, vm_moves
from jobledger.audit.verify import Problem, stream_kind
from chalicelib.core import effects as fx
from chalicelib.core import vm as vms
from chalicelib.core import events as ev
from chalicelib.core.fold import JobState, fold
from jobledger.inventory import host_capacity

STREAM_ORDER = ("inventory", "domain", "account", "user", "job", "volume", "sshkeypair")


@dataclass
class Rebuilt:
    """What the log says the state is, and what replaying it found the store would have refused."""

    table: Table = field(default_factory=Table)
    jobs: dict[str, JobState] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    streams: int = 0
    events: int = 0
    secret_digests: dict[str, str] = field(default_factory=dict)  # api key -> digest the log recorded
    userdata_digests: set[str] = field(default_factory=set)  # user data the log says was given (core/userdata)
    nic_ids: dict[str, set[str]] = field(default_factory=dict)  # network -> every NIC id given in it
    max_ids: dict[str, int] = field(default_factory=dict)  # volume, sshkeypair -> the highest id the log used


def replay(streams: Mapping[str, Sequence[ev.Event]], as_of: str | None = None,
           folded: Mapping[str, JobState] | None = None) -> Rebuilt:
    """`streams`: each stream's events in seq order, upcast (`audit_verify.Checked.events`); `folded`: jobs
    already folded from the same events (verifying folds them), reused where replay reaches their end.

    Streams are merged by event time, each kept in seq order; ties go to inventory, directory, then jobs
    in id order (a VM's jobs run one at a time in id order).
    """
    out = Rebuilt()
    history: dict[str, list[ev.Event]] = {}
    prefixes = [_until(streams[s], as_of) for s in sorted(streams, key=stream_order)]
    for event in heapq.merge(*prefixes, key=lambda e: e.at):
        out.events += 1
        if stream_kind(event.stream) == "job":
            history.setdefault(event.stream.split("#", 1)[1], []).append(event)
        _apply(out, event)
    out.streams = sum(1 for p in prefixes if p)
    for jobid, events in history.items():
        job = (folded or {}).get(jobid)
        if job is None or job.version != events[-1].seq:
            job = fold(jobid, events)
        out.jobs[jobid] = job
        out.table.apply(fx.PutJob(job_fields(job)))
    return out


def job_fields(job: JobState) -> dict[str, Any]:
    """`fold.job_row` without its deep copy, which would cost most of the replay: the values are the events'
    own data, which nothing changes."""
    return {f.name: getattr(job, f.name) for f in fields(job)}


def _until(events: Sequence[ev.Event], as_of: str | None) -> list[ev.Event]:
    """The stream as it was at `as_of`: the events up to the first one after it (as `store.load_stream`)."""
    if as_of is None:
        return list(events)
    out = []
    for e in events:
        if e.at > as_of:
            break
        out.append(e)
    return out


def stream_order(stream: str) -> tuple[int, int, str]:
    kind, _, id_ = stream.partition("#")
    rank = STREAM_ORDER.index(kind) if kind in STREAM_ORDER else len(STREAM_ORDER)
    return rank, int(id_) if id_.isdigit() else -1, stream


def _apply(out: Rebuilt, event: ev.Event) -> None:
    try:
        effects = _effects(out, event)
    except (LookupError, TypeError, ValueError) as exc:
        out.problems.append(Problem(event.stream, event.seq, f"{event.type} cannot be replayed: {exc}"))
        return
    for effect in effects:
        refused = out.table.apply(effect)
        if refused:
            out.problems.append(Problem(event.stream, event.seq, f"{event.type}: {refused}"))


def _effects(out: Rebuilt, e: ev.Event) -> list[fx.Effect]:
    if e.type == ev.INVENTORY_LOADED:
        return [_inventory_row(r) for r in e.data["rows"]]
    if e.type == ev.USER_KEYS_REGISTERED:
        out.secret_digests[e.data["apikey"]] = e.data["secretdigest"]
    if e.type in ev.RESOURCE_TYPES:
        _note_ids(out, e.data)
        return resource_effects(e, out.table)
    if e.type not in ev.JOB_EVENT_TYPES:
        return directory_effects(e, out.table)
    _note_ids(out, e.data)
    if e.type == ev.JOB_SUBMITTED:
        _note_userdata(out, e.data)
    return [*_job_effects(out, e), *job_resource_effects(e.data, out.table)]


def _note_ids(out: Rebuilt, data: Mapping[str, Any]) -> None:
    """Volume and key pair ids the log used (their rows may be gone): the counters restart past them."""
    for kind, docs in (("volume", [*(data.get("volumes") or ()), *([data["volume"]] if "volume" in data else [])]),
                       ("sshkeypair", [data["keypair"]] if "keypair" in data else [])):
        for doc in docs:
            if str(doc.get("id", "")).isdigit():
                out.max_ids[kind] = max(out.max_ids.get(kind, 0), int(doc["id"]))


def _note_userdata(out: Rebuilt, data: Mapping[str, Any]) -> None:
    """A deploy's VM document, or an update's JobSubmitted, names the digest of the user data it was given."""
    for digest in ((data.get("vm") or {}).get("userdatadigest"), data.get("userdatadigest")):
        if digest:
            out.userdata_digests.add(str(digest))


def _job_effects(out: Rebuilt, e: ev.Event) -> list[fx.Effect]:
    jobid = e.stream.split("#", 1)[1]
    if e.type == ev.JOB_SUBMITTED and e.data.get("instancetype") == "VirtualMachine":
        if "vm" not in e.data:  # a command on an existing VM waits in its queue
            return [fx.QueueVmJob(str(e.data["instanceid"]), jobid)]
        return _vm_changed(out, e.data["vm"], fx.PutVm(e.data["vm"], add_job=jobid))
    if e.type in ev.TERMINAL_TYPES and "vm" in e.data:
        return _vm_changed(out, e.data["vm"], fx.PutVm(e.data["vm"], done_job=jobid))
    if e.type in ev.TERMINAL_TYPES and "dequeued" in e.data:  # ended without acting on its VM
        return [fx.DequeueVmJob(str(e.data["dequeued"]), jobid)]
    return []


def _vm_changed(out: Rebuilt, vm: Mapping[str, Any], put: fx.PutVm) -> list[fx.Effect]:
    """The VM's new document with the capacity, addresses and name it takes and gives back."""
    for nic in vm.get("nic") or ():
        out.nic_ids.setdefault(str(nic["networkid"]), set()).add(str(nic["id"]))
    old = out.table.data("vm", str(vm["id"]))
    return [*vm_moves(old, vm), *vms.name_moves(old, vm), put]


def _inventory_row(row: Mapping[str, Any]) -> fx.PutState:
    """As `inventory.inventory_rows`: hosts start with all their capacity free."""
    cpu, memory = host_capacity(row["data"]) if row["kind"] == "host" else (None, None)
    return fx.PutState(row["kind"], str(row["id"]), row["data"], cpu, memory)


def counters(rebuilt: Rebuilt) -> dict[str, int]:
    """Each id counter at the highest id the log used (the next id taken is one more), and each network's
    address cursor past the addresses it gave: ids never repeat after the tables are rebuilt."""
    out = {}
    for kind in ("domain", "account", "user", "vm", "job"):
        ids = [int(id_) for id_, _ in rebuilt.table.of_kind(kind) if id_.isdigit()]
        if ids:
            out[kind] = max(ids)
    out.update(rebuilt.max_ids)
    nics = [int(n) for given in rebuilt.nic_ids.values() for n in given if n.isdigit()]
    if nics:
        out["nic"] = max(nics)
    for network, given in rebuilt.nic_ids.items():
        out[f"ipcursor#{network}"] = len(given) - 1  # the cursor's first value is 0
    return out


def as_of_instant(text: str) -> str:
    """`2026-11-27T10:00:00Z` (any ISO 8601 form; no offset means UTC) as events record time."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def jobs_by_status(jobs: Iterable[JobState]) -> dict[str, int]:
    names = {0: "pending", 1: "succeeded", 2: "failed"}
    out = {name: 0 for name in names.values()}
    for job in jobs:
        out[names[job.status]] += 1
    return out


def host_usage(table: Table) -> list[dict[str, Any]]:
    """Each host's total and free capacity as the log explains it, and how many VMs run on it, in id order."""
    running: dict[str, int] = {}
    for _, vm in table.of_kind("vm"):
        if vm["data"].get("state") == "Running" and vm["data"].get("hostid"):
            running[vm["data"]["hostid"]] = running.get(vm["data"]["hostid"], 0) + 1
    out = []
    for id_, row in sorted(table.of_kind("host"), key=lambda r: (len(r[0]), r[0])):
        cpu, memory = host_capacity(row["data"])
        out.append({"id": id_, "name": row["data"].get("name", ""), "cpu": cpu, "free_cpu": row.get("free_cpu"),
                    "memory": memory, "free_memory": row.get("free_memory"), "running": running.get(id_, 0)})
    return out
