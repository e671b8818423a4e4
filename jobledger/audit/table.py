"""The state table as replay rebuilds it: rows as plain attribute dicts, changed by effects with the semantics
of `store.commit`, noting every change whose condition the real store would have refused. Pure: no I/O.
"""
from __future__ import annotations

from typing import Any, Mapping

from chalicelib.core import effects as fx
from chalicelib.core import vm as vms
from chalicelib.core.rows import Row, job_attributes, vm_attributes
from jobledger.inventory import host_capacity

Key = tuple[str, str]
# Rows no event explains: id counters, address cursors, rate-limit windows and recorded seals.
UNEXPLAINED_KINDS = ("counter", "rate", "seal")
# VM states that hold no address (their NICs were given back, or never taken).
ADDRESSLESS_STATES = ("Destroyed", "Expunging", "Error")


def vm_moves(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[fx.Effect]:
    """The capacity and leases a VM document change takes and gives back (a Running VM holds its host's
    capacity; a VM not Destroyed, Expunging or in Error holds the addresses of its NICs)."""
    out: list[fx.Effect] = []
    before, after = _placement(old), _placement(new)
    if before and before != after:
        out.append(fx.ReleaseCapacity(*before))
    held_before, held_after = _addresses(old), _addresses(new)
    vmid = str(new["id"])
    out += [fx.ReleaseIp(net, ip, vmid) for net, ip in sorted(held_before - held_after)]
    out += [fx.LeaseIp(net, ip, vmid) for net, ip in sorted(held_after - held_before)]
    if after and before != after:
        out.append(fx.ReserveCapacity(*after))
    return out


def _placement(vm: Mapping[str, Any] | None) -> tuple[str, int, int] | None:
    if not vm or vm.get("state") != "Running" or not vm.get("hostid"):
        return None
    return (str(vm["hostid"]), *vms.needs(vm))


def _addresses(vm: Mapping[str, Any] | None) -> set[tuple[str, str]]:
    if not vm or vm.get("state") in ADDRESSLESS_STATES:
        return set()
    return {(str(n["networkid"]), str(n["ipaddress"])) for n in vm.get("nic") or ()}


class Table:
    """Rows by (kind, id). `apply` changes them as the store would and answers why the store would have
    refused the change (None when it would not): the log claims it happened, so it is applied anyway."""

    def __init__(self) -> None:
        self.rows: dict[Key, Row] = {}

    def get(self, kind: str, id_: str) -> Row | None:
        return self.rows.get((kind, id_))

    def data(self, kind: str, id_: str) -> dict[str, Any] | None:
        row = self.rows.get((kind, id_))
        return None if row is None else dict(row.get("data") or {})

    def of_kind(self, kind: str) -> list[tuple[str, Row]]:
        return [(id_, row) for (k, id_), row in self.rows.items() if k == kind]

    def apply(self, effect: fx.Effect) -> str | None:
        handler = _HANDLERS.get(type(effect))
        if handler is None:
            raise TypeError(f"unknown effect {effect!r}")
        return handler(self, effect)

    def _put_state(self, e: fx.PutState) -> None:
        row: Row = {"data": dict(e.data), **dict(e.listed or {})}
        if e.free_cpu is not None:
            row["free_cpu"] = e.free_cpu
        if e.free_memory is not None:
            row["free_memory"] = e.free_memory
        self.rows[(e.kind, e.id)] = row

    def _claim(self, e: fx.Claim) -> str | None:
        taken = (e.kind, e.id) in self.rows
        self.rows[(e.kind, e.id)] = {"holder": e.holder}
        return f"{e.kind} {e.id} was already held" if taken else None

    def _delete(self, e: fx.DeleteState) -> None:
        self.rows.pop((e.kind, e.id), None)

    def _capacity(self, e: fx.ReserveCapacity | fx.ReleaseCapacity) -> str | None:
        host = self.rows.get(("host", e.hostid))
        if host is None:
            return f"host {e.hostid} does not exist"
        sign = -1 if isinstance(e, fx.ReserveCapacity) else 1
        short = sign < 0 and (host.get("free_cpu", 0) < e.cpu or host.get("free_memory", 0) < e.memory)
        host["free_cpu"] = host.get("free_cpu", 0) + sign * e.cpu
        host["free_memory"] = host.get("free_memory", 0) + sign * e.memory
        if short:
            return f"host {e.hostid} over-committed: free capacity below zero"
        total_cpu, total_memory = host_capacity(host["data"])
        if host["free_cpu"] > total_cpu or host["free_memory"] > total_memory:
            return f"host {e.hostid} given back capacity it never lent: free above its total"
        return None

    def _lease(self, e: fx.LeaseIp) -> str | None:
        key = ("lease", fx.lease_id(e.networkid, e.ip))
        holder = (self.rows.get(key) or {}).get("holder")
        self.rows[key] = {"holder": e.vmid, "data": {"networkid": e.networkid, "ip": e.ip, "vmid": e.vmid}}
        return f"{e.ip} in network {e.networkid} leased twice (vm {holder} and vm {e.vmid})" if holder else None

    def _release_ip(self, e: fx.ReleaseIp) -> str | None:
        row = self.rows.pop(("lease", fx.lease_id(e.networkid, e.ip)), None)
        if row is None or row.get("holder") != e.vmid:
            return f"vm {e.vmid} gave back {e.ip} in network {e.networkid}, which it did not hold"
        return None

    def _put_vm(self, e: fx.PutVm) -> None:
        row = self.rows.setdefault(("vm", str(e.vm["id"])), {})
        row.update(vm_attributes(e.vm))
        self._queue(row, add=e.add_job, done=e.done_job)

    def _queue_vm_job(self, e: fx.QueueVmJob | fx.DequeueVmJob) -> str | None:
        """A job put on (or taken off) an existing VM's queue; the store refuses either on a missing VM."""
        row = self.rows.get(("vm", e.vmid))
        if row is None:
            return f"job {e.jobid} was queued on (or taken off) vm {e.vmid}, which does not exist"
        if isinstance(e, fx.QueueVmJob):
            self._queue(row, add=e.jobid)
        else:
            self._queue(row, done=e.jobid)
        return None

    @staticmethod
    def _queue(row: Row, add: str | None = None, done: str | None = None) -> None:
        """A VM's queue of unfinished jobs; DynamoDB drops a number set that becomes empty."""
        pending = set(row.get("pending") or ())
        if add:
            pending.add(int(add))
        if done:
            pending.discard(int(done))
        if pending:
            row["pending"] = pending
        else:
            row.pop("pending", None)

    def _put_versioned(self, e: fx.PutVersioned) -> str | None:
        version = int(e.data["version"])
        held = self.rows.get((e.kind, e.id))
        self.rows[(e.kind, e.id)] = {"data": dict(e.data), "value": version, **dict(e.listed or {})}
        before = None if held is None else held.get("value")
        if (version == 1 and held is not None) or (version > 1 and before != version - 1):
            return f"{e.kind} {e.id} version {version} written over version {before}"
        return None

    def _drop_versioned(self, e: fx.DropVersioned) -> str | None:
        held = self.rows.pop((e.kind, e.id), None)
        if held is None or held.get("value") != e.version:
            stored = None if held is None else held.get("value")
            return f"{e.kind} {e.id} deleted at version {e.version}, stored {stored}"
        return None

    def _storage(self, e: fx.ReserveStorage | fx.ReleaseStorage) -> str | None:
        """A zone's used storage (the row appears with its first reservation, as DynamoDB's ADD makes it)."""
        key = ("storage", fx.storage_id(e.zoneid, e.pool))
        row = self.rows.get(key)
        if isinstance(e, fx.ReleaseStorage):
            if row is None:
                return f"zone {e.zoneid} given back storage it never lent"
            row["value"] = row.get("value", 0) - e.size
            return f"zone {e.zoneid} storage used below zero" if row["value"] < 0 else None
        row = self.rows.setdefault(key, {})
        row["value"] = row.get("value", 0) + e.size
        if e.capacity is not None and row["value"] > e.capacity:
            return f"zone {e.zoneid} storage over-committed: {row['value']} bytes used of {e.capacity}"
        return None

    def _put_job(self, e: fx.PutJob) -> None:
        self.rows[("job", str(e.job["jobid"]))] = job_attributes(e.job)


_HANDLERS: dict[type, Any] = {
    fx.PutState: Table._put_state, fx.Claim: Table._claim, fx.DeleteState: Table._delete,
    fx.ReserveCapacity: Table._capacity, fx.ReleaseCapacity: Table._capacity, fx.LeaseIp: Table._lease,
    fx.ReleaseIp: Table._release_ip, fx.PutVm: Table._put_vm, fx.QueueVmJob: Table._queue_vm_job,
    fx.DequeueVmJob: Table._queue_vm_job, fx.PutJob: Table._put_job,
    fx.PutVersioned: Table._put_versioned, fx.DropVersioned: Table._drop_versioned,
    fx.ReserveStorage: Table._storage, fx.ReleaseStorage: Table._storage,
}
