"""Executing a VM job: place it, lease its address, and commit the outcome with its effects in one transaction."""
from __future__ import annotations

import logging
from typing import Any, Callable, Mapping

from chalicelib import effects as fx
from chalicelib import jobs, settings, state, store
from chalicelib import vm as vms
from chalicelib.errors import ConcurrencyConflict, InsufficientCapacity
from chalicelib.fold import JobState, fold
from chalicelib.placement import HostLoad, address_at, address_count, choose_host
from chalicelib.wire import cloudstack_date

log = logging.getLogger(__name__)
MAX_PLACEMENT_TRIES = 20
Actor = Mapping[str, str]


def result_of(vm: Mapping[str, Any]) -> dict[str, Any]:
    """A job's result as CloudStack stores it: the VM as the wire shows it, frozen at completion."""
    return {"virtualmachine": vms.public_view(vm, cloudstack_date)}


def deploy(job: JobState, actor: Actor) -> None:
    row = state.get("vm", job.instanceid)
    if row is None:
        raise LookupError(f"job {job.jobid}: vm {job.instanceid} has no state row")
    vm = row.as_dict()
    startvm = (job.params or {}).get("startvm", "true").lower() != "false"
    network = _default_network(vm["zoneid"])
    cpu, memory = vms.needs(vm)
    for _ in range(MAX_PLACEMENT_TRIES):
        host = choose_host(_host_loads(vm["zoneid"]), cpu, memory) if startvm else None
        if startvm and host is None:
            _fail(job, vm, jobs.capacity_text(vm["id"]), actor)
            return
        try:
            _complete(job, vm, host, network, actor)
            return
        except (InsufficientCapacity, store.IpTaken) as exc:
            log.info("job %s: retrying placement (%s)", job.jobid, exc)
    raise ConcurrencyConflict(f"job {job.jobid}: placement kept losing races")


def _complete(job: JobState, vm: Mapping[str, Any], host: HostLoad | None,
              network: Mapping[str, Any], actor: Actor) -> None:
    ip = _next_address(network)
    nic = vms.nic(str(state.next_value("nic", settings.load().nic_id_start)), network, ip)
    effects: list[fx.Effect] = [fx.LeaseIp(network["id"], ip, vm["id"])]
    if host is not None:
        final = vms.placed(vm, host.host, [nic], "Running")
        cpu, memory = vms.needs(vm)
        effects.append(fx.ReserveCapacity(host.id, cpu, memory))
    else:
        final = dict(vm, nic=[nic], state="Stopped")
    effects.append(fx.put_vm(final))
    _commit_terminal(job, jobs.completed(job, result_of(final), actor), effects)


def _fail(job: JobState, vm: Mapping[str, Any], text: str, actor: Actor) -> None:
    effects = [fx.put_vm(vms.with_state(vm, "Error"))]
    _commit_terminal(job, jobs.failed(job, jobs.CAPACITY_ERROR, text, actor), effects)


def _commit_terminal(job: JobState, event: Any, effects: list[fx.Effect]) -> None:
    try:
        store.commit([event], effects)
    except ConcurrencyConflict:
        # Another delivery of this message got there first: harmless if it finished the job.
        if not fold(job.jobid, store.load_stream(event.stream)).finished:
            raise


def _host_loads(zoneid: str) -> list[HostLoad]:
    return [HostLoad(r.as_dict(), int(r.free_cpu or 0), int(r.free_memory or 0))
            for r in state.list_kind("host") if r.as_dict().get("zoneid") == zoneid]


def _default_network(zoneid: str) -> dict[str, Any]:
    networks = [r.as_dict() for r in state.list_kind("network") if r.as_dict().get("zoneid") == zoneid]
    if not networks:
        raise LookupError(f"zone {zoneid} has no guest network")
    return next((n for n in networks if n.get("isdefault")), networks[0])


def _next_address(network: Mapping[str, Any]) -> str:
    cursor = state.next_value(f"ipcursor#{network['id']}", 0)
    return address_at(network["cidr"], network["gateway"], cursor)


EXECUTORS: dict[str, Callable[[JobState, Actor], None]] = {
    "deployVirtualMachine": deploy,
}
