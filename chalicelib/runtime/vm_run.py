"""One execution of a VM job: its history, the VM it acts on, who acts; ending it commits the terminal event
with the VM's new document and its effects in one transaction, then sends the VM's next queued job. Also what
every VM job that places a NIC reads: the VM's network and the next address to try."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from chalicelib import settings
from chalicelib.aws import eventlog, statetable
from chalicelib.aws.queue import send_job
from chalicelib.cloudstack.wire import cloudstack_date
from chalicelib.core import effects as fx
from chalicelib.core import jobs
from chalicelib.core import tags as tg
from chalicelib.core import vm as vms
from chalicelib.core.errors import ConcurrencyConflict
from chalicelib.core.events import Event
from chalicelib.core.fold import JobState, fold
from chalicelib.core.placement import HostLoad, address_at

Actor = Mapping[str, str]
MAX_PLACEMENT_TRIES = 20  # a job decides again after losing a race for a host or an address, this many times


class Run:
    """One execution of a job: its history so far, the VM it acts on, and who acts."""

    def __init__(self, job: JobState, history: Sequence[Event], vm: Mapping[str, Any], actor: Actor) -> None:
        self.job, self.history, self.vm, self.actor = job, list(history), dict(vm), actor

    def finish(self, final: Mapping[str, Any], effects: list[fx.Effect], *, volumes: Sequence[Mapping[str, Any]] = (),
               result: Mapping[str, Any] | None = None) -> None:
        """`volumes`: the documents of the volumes the job changed (the audit replays them from the event). The
        result shows the VM's tags; an expunged VM's tags go with it (CloudStack removes a resource's tags), the
        emptied tag row riding in the event as a tag job's do."""
        extra: dict[str, Any] = {"vm": dict(final), **({"volumes": [dict(v) for v in volumes]} if volumes else {})}
        row = statetable.get("tags", tg.row_id("UserVm", str(final["id"])))
        old = row.as_dict() if row is not None else None
        shown = tg.views(old) if old else []
        if old and final.get("state") == "Expunging":
            gone = tg.tag_row("UserVm", str(final["id"]), old, [], old)
            effects, extra["tagrows"], shown = [*effects, *tg.tag_effects(old, gone)], [gone], []
        result = result or {"virtualmachine": vms.public_view(dict(final, tags=shown), cloudstack_date)}
        self._commit(jobs.completed(self.job, result, self.actor, extra), final, effects)

    def fail(self, code: int, text: str, final: Mapping[str, Any] | None = None,
             effects: list[fx.Effect] | None = None) -> None:
        final = final or self.vm
        self._commit(jobs.failed(self.job, code, text, self.actor, {"vm": dict(final)}), final, effects or [])

    def _commit(self, event: Event, final: Mapping[str, Any], effects: list[fx.Effect]) -> None:
        effects = [*effects, fx.PutVm(final, done_job=self.job.jobid)]
        try:
            eventlog.commit_job(self.job.jobid, self.history, [event], effects)
        except ConcurrencyConflict:
            # Another delivery of this message got there first: harmless if it finished the job.
            if not fold(self.job.jobid, eventlog.load_stream(event.stream)).finished:
                raise
        kick_next(str(final["id"]))


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
    """A snapshot of the hosts of the VM's zone that run its hypervisor, with their free capacity."""
    return [HostLoad(r.as_dict(), int(r.free_cpu or 0), int(r.free_memory or 0))
            for r in statetable.list_kind("host") if r.as_dict().get("zoneid") == vm["zoneid"]
            and r.as_dict().get("hypervisor", vm["hypervisor"]) == vm["hypervisor"]]


def next_address(network: Mapping[str, Any]) -> str:
    """The address at the network's next cursor position, from a block of positions leased per container (as ids
    are): the cursor item takes one write per block, not one per deploy. The lease row decides who has an address;
    the cursor only says where to try."""
    cursor = int(statetable.next_id(f"ipcursor#{network['id']}", 0, settings.load().id_block))
    return address_at(network["cidr"], network["gateway"], cursor)
