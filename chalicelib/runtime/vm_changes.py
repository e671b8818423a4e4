"""VM commands that change the VM's document in its turn: resetSSHKeyForVirtualMachine, updateVirtualMachine,
changeServiceForVirtualMachine, scaleVirtualMachine, recoverVirtualMachine."""
from __future__ import annotations

from typing import Any

from chalicelib import settings
from chalicelib.aws import eventlog, statetable
from chalicelib.core import effects as fx
from chalicelib.core import keypairs
from chalicelib.core import vm as vms
from chalicelib.core import vm_rules
from chalicelib.core.errors import ConcurrencyConflict, InsufficientCapacity
from chalicelib.core.placement import choose_host, decide_deploy
from chalicelib.runtime import volume_jobs
from chalicelib.runtime.vm_run import (
    ADDRESS_CAPACITY_ERROR,
    MAX_PLACEMENT_TRIES,
    Run,
    address_tries,
    default_network,
    next_address,
    no_address_text,
    zone_hosts,
)


def reset_ssh_key(run: Run) -> None:
    """CloudStack resets the key of a stopped VM only; the key pair was checked on submission."""
    if run.vm["state"] != "Stopped":
        run.fail(431, f"vm id = {run.vm['id']} should be stopped to do SSH Key reset")
        return
    run.finish(dict(run.vm, keypair=keypairs.named(run.job.params or {})), [])


def update(run: Run) -> None:
    """updateVirtualMachine: displayname, group, haenable, user data (its digest, from the JobSubmitted event:
    the bytes never reach the log); nothing it changes takes or gives capacity."""
    refusal = vm_rules.update_refusal(run.vm, run.job.params or {})
    if refusal:
        run.fail(431, refusal)
        return
    final = vm_rules.updated(run.vm, run.job.params or {}, run.history[0].data)
    disks, writes = volume_jobs.follow_names(final)  # volumes show their VM's names
    try:
        run.finish(final, writes, volumes=disks)
    except eventlog.NameTaken:  # nothing was written: the name is another VM's of the account and zone
        run.fail(431, vm_rules.name_taken_text(str(final["name"])))


def change_offering(run: Run) -> None:
    """changeServiceForVirtualMachine (Stopped only) and scaleVirtualMachine (Stopped or Running).

    A Stopped VM holds no host: only its document changes. A Running VM's host gives back the old offering's
    CPU and memory and takes the new one's in the same transaction as the event; DynamoDB allows one operation
    per item in a transaction, so the move is committed as one net ReserveCapacity (condition: the host has
    the growth free) or ReleaseCapacity (a shrink). The audit replays it from the VM documents as a release
    then a reservation, which comes to the same free capacity."""
    offering = _offering(str((run.job.params or {}).get("serviceofferingid", "")))
    refusal = vm_rules.offering_refusal(run.job.command, run.vm, offering)
    if refusal or offering is None:
        run.fail(431, refusal or "Unable to find service offering")
        return
    final = vm_rules.with_offering(run.vm, offering)
    if run.vm["state"] != "Running" or not run.vm.get("hostid"):
        run.finish(final, [])
        return
    (old_cpu, old_memory), (cpu, memory) = vms.needs(run.vm), vms.needs(final)
    grow_cpu, grow_memory = cpu - old_cpu, memory - old_memory
    host = str(run.vm["hostid"])
    move: fx.Effect = (fx.ReleaseCapacity(host, -grow_cpu, -grow_memory) if grow_cpu <= 0 and grow_memory <= 0
                       else fx.ReserveCapacity(host, grow_cpu, grow_memory))
    try:
        run.finish(final, [move])
    except InsufficientCapacity:  # nothing was written: the VM keeps its offering and its host its capacity
        run.fail(431, vm_rules.scale_capacity_refusal(str(run.vm["id"])))


def recover(run: Run) -> None:
    """recoverVirtualMachine: a Destroyed VM back to Stopped, holding no host; its ROOT volume Ready again and a
    NIC on its first network with a newly leased address (destroying gave its addresses back)."""

    refusal = vm_rules.recover_refusal(run.vm)
    if refusal:
        run.fail(431, refusal)
        return
    disks, writes = volume_jobs.follow_vm(run.vm, "Stopped")
    network = default_network(run.vm)
    config = settings.load()
    nicid = statetable.next_id("nic", config.nic_id_start, config.id_block)
    for _ in range(address_tries(network)):
        decision = decide_deploy(vms.with_state(run.vm, "Stopped"), [], network, next_address(network),
                                 nicid, startvm=False)
        try:
            run.finish(decision.final, [*decision.effects, *writes], volumes=disks)
            return
        except eventlog.IpTaken:
            continue
    run.fail(ADDRESS_CAPACITY_ERROR, no_address_text("recover", str(run.vm["id"]), network))  # the network is full


def migrate(run: Run) -> None:
    """migrateVirtualMachine: a Running VM to another host of its zone and hypervisor (the one named, else the
    least loaded with room); the old host gives back the VM's CPU and memory and the new one takes them in the
    job's transaction (its condition: the room is still there)."""
    wanted = str((run.job.params or {}).get("hostid") or "")
    hosts = zone_hosts(run.vm)
    refusal = vm_rules.migrate_refusal(run.vm, wanted, [h.host for h in hosts])
    if refusal:
        run.fail(431, refusal)
        return
    cpu, memory = vms.needs(run.vm)
    for _ in range(MAX_PLACEMENT_TRIES):
        candidates = [h for h in zone_hosts(run.vm) if not wanted or h.id == wanted]
        target = choose_host(candidates, cpu, memory, exclude={str(run.vm["hostid"])})
        if target is None:
            run.fail(431, vm_rules.migrate_capacity_refusal(run.vm, wanted))
            return
        final = vms.placed(run.vm, target.host, run.vm.get("nic", []), "Running")
        try:
            run.finish(final, [fx.ReleaseCapacity(str(run.vm["hostid"]), cpu, memory),
                               fx.ReserveCapacity(target.id, cpu, memory)])
            return
        except InsufficientCapacity:
            continue  # another job took the room meanwhile: decide again from a fresh snapshot
    raise ConcurrencyConflict(f"job {run.job.jobid}: migration kept losing races")


def _offering(offeringid: str) -> dict[str, Any] | None:
    row = statetable.get("serviceoffering", offeringid) if offeringid else None
    return dict(row.as_dict()) if row is not None else None


# Changes to the VM's record only: no hypervisor work, so no simulated provisioning delay (worker.run_job).
RECORD_ONLY = frozenset({"updateVirtualMachine", "changeServiceForVirtualMachine", "recoverVirtualMachine"})
VM_QUEUED = {"resetSSHKeyForVirtualMachine": reset_ssh_key, "updateVirtualMachine": update,
             "changeServiceForVirtualMachine": change_offering, "scaleVirtualMachine": change_offering,
             "recoverVirtualMachine": recover, "migrateVirtualMachine": migrate}
