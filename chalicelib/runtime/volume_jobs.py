"""The worker's side of volumes: a VM's volumes follow its lifecycle; createVolume and resizeVolume run as
Volume jobs; attachVolume and detachVolume run in their VM's queue (after the VM's earlier commands)."""
from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

from chalicelib import settings
from chalicelib.aws import eventlog, statetable
from chalicelib.core.dates import cloudstack_date
from chalicelib.core import effects as fx
from chalicelib.core import jobs
from chalicelib.core import volume as vols
from chalicelib.core.errors import ConcurrencyConflict
from chalicelib.core.events import Event, now_iso
from chalicelib.core.fold import JobState, fold
from chalicelib.runtime.vm_run import Run, volumes_of

VOLUME_ID_START = 1
Change = tuple[Mapping[str, Any] | None, Mapping[str, Any]]


def new_volume_id() -> str:
    return statetable.next_id("volume", VOLUME_ID_START, settings.load().id_block)


def zones(zoneids: Sequence[str]) -> dict[str, dict[str, Any] | None]:
    rows = statetable.get_many([("zone", z) for z in zoneids])
    return {z: rows[("zone", z)].as_dict() if ("zone", z) in rows else None for z in zoneids}


def writes(changes: Sequence[Change]) -> list[fx.Effect]:
    """The changes' writes, their storage counted in each zone's pools (capacity and pool count per zone)."""
    found = zones(sorted({str(new["zoneid"]) for _, new in changes}))
    return vols.writes_for(list(changes), {z: vols.capacity_of(d) for z, d in found.items()},
                           {z: vols.pools_of(d) for z, d in found.items()})


def deploy_volumes(vm: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[fx.Effect]]:
    """A new VM's ROOT volume (its template's size) and, with a disk offering, its DATADISK (device 1)."""
    keys = [("template", str(vm["templateid"]))] + ([("diskoffering", str(vm["diskofferingid"]))]
                                                    if vm.get("diskofferingid") else [])
    rows = statetable.get_many(keys)
    at = now_iso()
    template = rows[keys[0]].as_dict() if keys[0] in rows else {"id": vm["templateid"], "name": vm["templatename"]}
    disks = [vols.changed(None, vols.root_volume(new_volume_id(), vm, template, at))]
    if len(keys) > 1 and keys[1] in rows:
        offering = rows[keys[1]].as_dict()
        volid = new_volume_id()
        zone = {"id": vm["zoneid"], "name": vm["zonename"]}
        data = vols.data_volume(volid, f"DATA-{vm['id']}", vm, zone, offering,
                                int(vm.get("disksize") or offering.get("disksize") or 0) * vols.GB, at)
        disks.append(vols.changed(None, vols.attached_to(data, vm, 1, at)))
    return disks, writes([(None, d) for d in disks])


def follow_vm(vm: Mapping[str, Any], state: str) -> tuple[list[dict[str, Any]], list[fx.Effect]]:
    """The VM's volumes after its command leaves it in `state`, and their writes."""
    return _follow(vm, lambda volume: vols.following_vm(volume, state))


def follow_names(vm: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[fx.Effect]]:
    """The VM's attached volumes with its (new) name and display name, and their writes."""
    return _follow(vm, lambda volume: vols.named_for(volume, vm))


def _follow(vm: Mapping[str, Any], after_of: Callable[[Mapping[str, Any]], dict[str, Any] | None]
            ) -> tuple[list[dict[str, Any]], list[fx.Effect]]:
    changes: list[Change] = []
    for volume in volumes_of(vm):
        after = after_of(volume)
        if after is not None:
            changes.append((volume, vols.changed(volume, after)))
    return [dict(new) for _, new in changes], writes(changes)


def attach(run: Run) -> None:
    params = run.job.params or {}
    volume = _volume(str(params.get("id")))
    refusal = vols.attach_refusal(volume, run.vm) if volume else "Unable to find volume"
    wanted = int(params["deviceid"]) if str(params.get("deviceid") or "").isdigit() else None
    device = vols.chosen_device(volumes_of(run.vm), wanted) if refusal is None else refusal
    if isinstance(device, str) or volume is None:
        run.fail(431, str(device))
        return
    after = vols.changed(volume, vols.attached_to(volume, run.vm, device, now_iso()))
    _finish_on_vm(run, volume, after)


def detach(run: Run) -> None:
    volume = _volume(str((run.job.params or {}).get("id")))
    refusal = vols.detach_refusal(volume, run.vm) if volume else "Unable to find volume"
    if refusal is not None or volume is None:
        run.fail(431, refusal or "")
        return
    _finish_on_vm(run, volume, vols.changed(volume, vols.detached(volume)))


def _finish_on_vm(run: Run, before: Mapping[str, Any], after: Mapping[str, Any]) -> None:
    view = vols.public_view(after, cloudstack_date, run.vm["state"] if after.get("virtualmachineid") else None)
    run.finish(run.vm, writes([(before, after)]), volumes=[after], result={"volume": view})


VM_QUEUED = {"attachVolume": attach, "detachVolume": detach}


def _volume(volid: str) -> dict[str, Any] | None:
    row = statetable.get("volume", volid)
    return None if row is None else row.as_dict()


def execute(job: JobState, history: Sequence[Event], actor: Mapping[str, str]) -> None:
    """createVolume (the planned document gets its storage) and resizeVolume (the new size, its storage)."""
    submitted = history[0].data
    if job.command == "createVolume":
        before, planned = None, dict(submitted["volume"])
        what = f"create volume id = {planned.get('id')}"
    else:
        before = _volume(job.instanceid)
        if before is None or before.get("state") == "Expunged":
            _end(job, history, actor, None, None, (431, f"Unable to find volume id = {job.instanceid}"))
            return
        planned = dict(before, size=int(submitted["size"]), **_offering_of(submitted.get("diskoffering")))
        what = f"resize volume id = {job.instanceid}"
    after = vols.changed(before, planned)
    try:
        _end(job, history, actor, before, after, None)
    except eventlog.StorageFull:
        _end(job, history, actor, None, None, (vols.STORAGE_CAPACITY_ERROR, vols.storage_refusal(
            {"id": after["zoneid"], "name": after.get("zonename")}, what)))


def _offering_of(offering: Mapping[str, Any] | None) -> dict[str, Any]:
    if not offering:
        return {}
    return {"diskofferingid": offering["id"], "diskofferingname": offering["name"],
            "diskofferingdisplaytext": offering.get("displaytext", offering["name"])}


def _end(job: JobState, history: Sequence[Event], actor: Mapping[str, str], before: Mapping[str, Any] | None,
         after: Mapping[str, Any] | None, error: tuple[int, str] | None) -> None:
    if error is not None or after is None:
        code, text = error or (530, "internal error")
        event, effects = jobs.failed(job, code, text, actor), []
    else:
        vmstate = None
        if after.get("virtualmachineid"):
            row = statetable.get("vm", str(after["virtualmachineid"]))
            vmstate = row.as_dict().get("state") if row is not None else None
        result = {"volume": vols.public_view(after, cloudstack_date, vmstate)}
        event, effects = jobs.completed(job, result, actor, {"volumes": [dict(after)]}), writes([(before, after)])
    try:
        eventlog.commit_job(job.jobid, history, [event], effects)
    except ConcurrencyConflict:
        if not fold(job.jobid, eventlog.load_stream(event.stream)).finished:
            raise
