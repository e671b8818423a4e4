"""One execution of a VM job: its history, the VM it acts on, who acts; ending it commits the terminal event
with the VM's new document and its effects in one transaction, then sends the VM's next queued job. Also what
every VM job that places a NIC reads: the VM's network and the next address to try."""
from __future__ import annotations

import random
from typing import Any, Mapping, Sequence

from chalicelib import settings
from chalicelib.aws import eventlog, statetable
from chalicelib.aws.queue import send_job
from chalicelib.core import effects as fx
from chalicelib.core import jobs
from chalicelib.core import tags as tg
from chalicelib.core import vm as vms
from chalicelib.core.errors import ConcurrencyConflict
from chalicelib.core.events import Event
from chalicelib.core.fold import JobState, fold
from chalicelib.core.placement import HostLoad, address_at, address_count, choose_host

Actor = Mapping[str, str]
MAX_PLACEMENT_TRIES = 20  # a job decides again after losing a race for a host, this many times
ADDRESS_CAPACITY_ERROR = 533  # CloudStack's code for an InsufficientCapacityException (no free address)
MAX_ADDRESS_TRIES = 1024


class Run:
    """One execution of a job: its history so far, the VM it acts on, and who acts."""

    def __init__(self, job: JobState, history: Sequence[Event], vm: Mapping[str, Any], actor: Actor) -> None:
        self.job, self.history, self.vm, self.actor = job, list(history), dict(vm), actor

    def finish(self, final: Mapping[str, Any], effects: list[fx.Effect], *, volumes: Sequence[Mapping[str, Any]] = (),
               result: Mapping[str, Any] | None = None) -> None:
        """`volumes`: the documents of the volumes the job changed (the audit replays them from the event). The
        result shows the VM's tags; an expunged VM's and expunged volumes' tags go with them (CloudStack removes
        a resource's tags), the emptied tag rows riding in the event as a tag job's do."""
        if volumes:
            final = dict(final, volumeids=volume_ids(self.vm, final, volumes))
        extra: dict[str, Any] = {"vm": dict(final), **({"volumes": [dict(v) for v in volumes]} if volumes else {})}
        vm_key = ("tags", tg.row_id("UserVm", str(final["id"])))
        gone = [vm_key] if final.get("state") == "Expunging" else []
        gone += [("tags", tg.row_id("Volume", str(v["id"]))) for v in volumes if v.get("state") == "Expunged"]
        rows = statetable.get_many([vm_key, *gone])
        shown = tg.views(rows[vm_key].as_dict()) if vm_key in rows and vm_key not in gone else []
        emptied = [tg.emptied(rows[key].as_dict()) for key in gone if key in rows]
        if emptied:
            extra["tagrows"] = [row for row, _ in emptied]
            effects = [*effects, *(write for _, writes in emptied for write in writes)]
        if result is None:  # the VM's own view: the fold renders it from the document and its tags
            self._commit(jobs.completed_vm(self.job, shown, self.actor, extra), final, effects)
        else:
            self._commit(jobs.completed(self.job, result, self.actor, extra), final, effects)

    def fail(self, code: int, text: str, final: Mapping[str, Any] | None = None,
             effects: list[fx.Effect] | None = None) -> None:
        final = final or self.vm
        self._commit(jobs.failed(self.job, code, text, self.actor, {"vm": dict(final)}), final, effects or [])

    def _commit(self, event: Event, final: Mapping[str, Any], effects: list[fx.Effect]) -> None:
        effects = [*effects, *vms.name_moves(self.vm, final), fx.PutVm(final, done_job=self.job.jobid)]
        try:
            eventlog.commit_job(self.job.jobid, self.history, [event], effects)
        except ConcurrencyConflict:
            # Another delivery of this message got there first: harmless if it finished the job.
            if not fold(self.job.jobid, eventlog.load_stream(event.stream)).finished:
                raise
        kick_next(str(final["id"]))


def volumes_of(vm: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The volumes attached to the VM (ROOT included): read by the ids its document keeps (`volumeids`), one
    BatchGetItem; a document from before it kept them lists its account's volumes (once: the VM's next job that
    changes a volume records the ids)."""
    if "volumeids" in vm:
        docs = [r.as_dict() for r in statetable.get_many([("volume", str(i)) for i in vm["volumeids"]]).values()]
    else:
        docs = [r.as_dict() for r in statetable.list_rows("volume", statetable.Scope("owner", str(vm["accountid"])))]
    return sorted((d for d in docs if d.get("virtualmachineid") == str(vm["id"])), key=lambda d: int(d["id"]))


def volume_ids(before: Mapping[str, Any], final: Mapping[str, Any], changed: Sequence[Mapping[str, Any]]) -> list[str]:
    """The ids of the volumes attached to the VM once the job's volume changes are made."""
    held = {str(i) for i in before["volumeids"]} if "volumeids" in before else \
        {str(v["id"]) for v in volumes_of(before)}
    for volume in changed:
        if volume.get("virtualmachineid") == str(final["id"]) and volume.get("state") != "Expunged":
            held.add(str(volume["id"]))
        else:
            held.discard(str(volume["id"]))
    return sorted(held, key=int)


def kick_next(vmid: str) -> None:
    """Send the VM's next queued job: its message may have arrived (and been set aside) before its turn."""
    row = statetable.get("vm", vmid)
    if row is not None and row.pending:
        send_job(str(min(row.pending)))


def default_network(vm: Mapping[str, Any]) -> dict[str, Any]:
    """The first of the networks the deployment named, else the zone's default guest network."""
    if vm.get("networkids"):
        row = statetable.get("network", vm["networkids"][0])
        if row is not None:
            return row.as_dict()
    networks = [r.as_dict() for r in statetable.list_kind("network") if r.as_dict().get("zoneid") == vm["zoneid"]]
    if not networks:
        raise LookupError(f"zone {vm['zoneid']} has no guest network")
    return next((n for n in networks if n.get("isdefault")), networks[0])


def zone_hosts(vm: Mapping[str, Any]) -> list[HostLoad]:
    """Every host of the VM's zone that runs its hypervisor, with its free capacity read fresh (strongly
    consistent)."""
    docs = statetable.kept_documents("host")
    if docs is None:
        rows = [_load(r) for r in statetable.list_kind("host") if _serves(r.as_dict(), vm)]
        return sorted(rows, key=lambda h: (len(h.id), h.id))
    return host_loads([pk for pk, doc in docs if _serves(doc, vm)], consistent=True)


def candidate_hosts(vm: Mapping[str, Any], *, fresh: bool = False) -> list[HostLoad]:
    """The hosts a placement chooses from: a sample of `placement_sample` of the zone's hosts, chosen at random,
    their capacity read eventually consistent (strongly when `fresh`: after a lost race), when one of them has room
    for the VM; else all of them read fresh, so a VM is refused for capacity only by the whole zone's current
    state. A host's row is then read by its share of the zone's deploys, not by every deploy. The choice is a hint
    either way: the commit's condition guarantees the room. Sampling needs the list of hosts kept in the process
    (`inventory_cache_seconds`); without it every host is read, as the list is."""
    docs = statetable.kept_documents("host")
    if docs is None:
        return zone_hosts(vm)
    serving = [pk for pk, doc in docs if _serves(doc, vm)]
    sample = settings.load().placement_sample
    picked = random.sample(serving, len(serving) if len(serving) <= sample else sample)  # in random order
    loads = host_loads(picked, consistent=fresh, in_order=False)
    if choose_host(loads, *vms.needs(vm)) is not None:
        return loads
    return host_loads(serving, consistent=True)


def host_loads(pks: Sequence[str], *, consistent: bool, in_order: bool = True) -> list[HostLoad]:
    """The hosts' free capacity, in id order (or in the order of `pks`: a sample's random order, which spreads
    the choice among equally loaded hosts)."""
    rows = statetable.fetch(pks, consistent=consistent)
    loads = [_load(rows[pk]) for pk in pks if pk in rows]
    return sorted(loads, key=lambda h: (len(h.id), h.id)) if in_order else loads


def _load(row: Any) -> HostLoad:
    return HostLoad(row.as_dict(), int(row.free_cpu or 0), int(row.free_memory or 0))


def _serves(host: Mapping[str, Any], vm: Mapping[str, Any]) -> bool:
    """The host is in the VM's zone and runs its hypervisor."""
    return bool(host.get("zoneid") == vm["zoneid"] and host.get("hypervisor", vm["hypervisor"]) == vm["hypervisor"])


def address_tries(network: Mapping[str, Any]) -> int:
    """How many leased addresses in a row mean the network is full: each of its addresses once (the cursor goes
    round them), at most MAX_ADDRESS_TRIES."""
    return max(1, min(address_count(str(network["cidr"]), str(network["gateway"])), MAX_ADDRESS_TRIES))


def no_address_text(doing: str, vmid: str, network: Mapping[str, Any]) -> str:
    return (f"Unable to {doing} virtual machine id = {vmid} due to insufficient address capacity in network "
            f"{network.get('name', network['id'])}")


def next_address(network: Mapping[str, Any]) -> str:
    """The address at the network's next cursor position, from a block of positions leased per container (as ids
    are): the cursor item takes one write per block, not one per deploy. The lease row decides who has an address;
    the cursor only says where to try."""
    cursor = int(statetable.next_id(f"ipcursor#{network['id']}", 0, settings.load().id_block))
    return address_at(network["cidr"], network["gateway"], cursor)
