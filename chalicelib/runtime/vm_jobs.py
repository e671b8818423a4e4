"""Executing VM jobs: decide the outcome, then commit it with its effects in one transaction."""
from __future__ import annotations

import logging
from typing import Any, Mapping, Sequence

from chalicelib import settings
from chalicelib.aws import eventlog, statetable
from chalicelib.core import effects as fx
from chalicelib.core import jobs
from chalicelib.core import vm as vms
from chalicelib.core.errors import ConcurrencyConflict, InsufficientCapacity
from chalicelib.core.events import Event
from chalicelib.core.fold import JobState
from chalicelib.core.placement import choose_host, decide_deploy
from chalicelib.core.vm_rules import START_CAPACITY_ERROR, capacity_refusal, plan
from chalicelib.runtime import vm_changes, volume_jobs
from chalicelib.runtime.vm_run import (
    ADDRESS_CAPACITY_ERROR,
    MAX_PLACEMENT_TRIES,
    Actor,
    Run,
    default_network,
    kick_next,
    address_tries,
    next_address,
    no_address_text,
    candidate_hosts,
)

log = logging.getLogger(__name__)


def execute(job: JobState, history: Sequence[Event], vm: Mapping[str, Any], actor: Actor) -> None:
    run = Run(job, history, vm, actor)
    queued = {**volume_jobs.VM_QUEUED, **vm_changes.VM_QUEUED}
    if job.command == "deployVirtualMachine":
        deploy(run)
    elif job.command in queued:
        queued[job.command](run)
    else:
        command(run)


def deploy(run: Run) -> None:
    """Decide from a fresh snapshot of the hosts and the next free address, commit; decide again on a lost race.
    The VM's volumes (ROOT, and DATADISK with a disk offering) take their zone's storage in the same commit."""

    startvm = (run.job.params or {}).get("startvm", "true").lower() != "false"
    network = default_network(run.vm)
    config = settings.load()
    nicid = statetable.next_id("nic", config.nic_id_start, config.id_block)
    wanted = run.vm.get("ipaddress")  # the deployment asked for this address: no other will do
    races = misses = 0
    while races < MAX_PLACEMENT_TRIES:
        hosts = candidate_hosts(run.vm, fresh=races > 0) if startvm else []
        decision = decide_deploy(run.vm, hosts, network, str(wanted or next_address(network)), nicid, startvm)
        if decision.error:
            run.fail(*decision.error, decision.final)
            return
        disks, writes = volume_jobs.deploy_volumes(run.vm)
        try:
            run.finish(decision.final, [*decision.effects, *writes], volumes=disks)
            return
        except eventlog.StorageFull:
            run.fail(jobs.CAPACITY_ERROR, jobs.capacity_text(str(run.vm["id"])), vms.with_state(run.vm, "Error"))
            return
        except eventlog.IpTaken:
            if wanted:
                run.fail(431, f"Unable to deploy virtual machine id = {run.vm['id']}: IP address {wanted} is "
                              f"already in use in network {network.get('name', network['id'])}",
                         vms.with_state(run.vm, "Error"))
                return
            misses += 1
            if misses >= address_tries(network):  # every address tried is leased: the network is full
                run.fail(ADDRESS_CAPACITY_ERROR, no_address_text("deploy", str(run.vm["id"]), network),
                         vms.with_state(run.vm, "Error"))
                return
        except InsufficientCapacity as exc:
            races += 1
            log.info("job %s: retrying placement (%s)", run.job.jobid, exc)
    raise ConcurrencyConflict(f"job {run.job.jobid}: placement kept losing races")


def command(run: Run) -> None:
    """start, stop, reboot, destroy: follow the plan for the VM's current state."""
    outcome = plan(run.job.command, run.vm, run.job.params or {})
    if outcome.error:
        run.fail(*outcome.error)
        return

    disks, writes = volume_jobs.follow_vm(run.vm, outcome.state or run.vm["state"])
    for tries in range(MAX_PLACEMENT_TRIES):
        final, effects = _apply(run.vm, outcome)
        effects += writes
        if outcome.take_host and run.vm["state"] != "Running":
            host = choose_host(candidate_hosts(run.vm, fresh=tries > 0), *vms.needs(run.vm))
            if host is None:
                run.fail(START_CAPACITY_ERROR, capacity_refusal(run.vm["id"]))
                return
            final = vms.placed(final, host.host, final.get("nic", []), outcome.state or "Running")
            effects.append(fx.ReserveCapacity(host.id, *vms.needs(run.vm)))
        try:
            run.finish(final, effects, volumes=disks)
            return
        except InsufficientCapacity as exc:
            log.info("job %s: retrying placement (%s)", run.job.jobid, exc)
    raise ConcurrencyConflict(f"job {run.job.jobid}: placement kept losing races")


def _apply(vm: Mapping[str, Any], outcome: Any) -> tuple[dict[str, Any], list[fx.Effect]]:
    """The VM after the plan, and what it gives back (capacity of its host, its addresses)."""
    final = vms.with_state(vm, outcome.state)
    effects: list[fx.Effect] = []
    if outcome.free_host and vm.get("hostid"):
        effects.append(fx.ReleaseCapacity(vm["hostid"], *vms.needs(vm)))
        final = vms.unplaced(final)
    if outcome.free_ip:
        effects += [fx.ReleaseIp(n["networkid"], n["ipaddress"], vm["id"]) for n in vm.get("nic", [])]
        final = dict(final, nic=[])
    return final, effects


def is_turn(job: JobState, vm_row: Any) -> bool:
    """A VM's commands run one at a time in job id order: this job's turn comes when it is the oldest queued."""
    pending = set(vm_row.pending or ())
    return not pending or min(pending) == int(job.jobid)


def abandon(job: JobState, history: Sequence[Event], code: int, text: str, actor: Actor) -> None:
    """End a VM job that cannot run any more (attempts spent, deadline passed) with JobFailed.

    Effects only ever commit with a terminal event, so the VM holds exactly what it held before the job;
    a deploy that never finished leaves its VM in Error, holding nothing.
    """
    row = statetable.get("vm", job.instanceid)
    if row is None:
        eventlog.commit_job(job.jobid, history, [jobs.failed(job, code, text, actor)])
        return
    if job.command == "deployVirtualMachine":  # the VM is this job's own: nobody else writes it meanwhile
        Run(job, history, row.as_dict(), actor).fail(code, text, vms.with_state(row.as_dict(), "Error"))
        return
    # Another job on the VM may be running: only take this one off the queue, never write the VM's document.
    failed = jobs.failed(job, code, text, actor, {"dequeued": job.instanceid})
    eventlog.commit_job(job.jobid, history, [failed], [fx.DequeueVmJob(job.instanceid, job.jobid)])
    kick_next(job.instanceid)
