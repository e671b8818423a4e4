"""Volumes: listVolumes, createVolume, attachVolume, detachVolume, resizeVolume (async, as in CloudStack) and
deleteVolume (sync). Checks happen before any write; a volume of another account reads as a missing one."""
from __future__ import annotations

from typing import Any

from chalicelib.aws import directory, eventlog, statetable
from chalicelib.aws.directory import can_see
from chalicelib.cloudstack.paging import paging
from chalicelib.cloudstack.request import ApiRequest, is_id, is_numeric_id
from chalicelib.core.dates import cloudstack_date
from chalicelib.cloudstack.wire import list_payload
from chalicelib.commands import tags
from chalicelib.commands.auth import guard_of
from chalicelib.core import events as ev
from chalicelib.core import tags as tg
from chalicelib.core import volume as vols
from chalicelib.core.accounts import Caller
from chalicelib.core.errors import ApiError, invalid_value
from chalicelib.runtime.submission import new_job_id, queue_vm_command, submit_job
from chalicelib.runtime.volume_jobs import new_volume_id, writes

MAX_NAME = 255
TYPES = ("ROOT", "DATADISK")


def list_volumes(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    page = paging(req)
    volid, vmid, type_ = (_optional_id(req, "id"), _optional_id(req, "virtualmachineid"), req.get("type"))
    if type_ is not None and type_.upper() not in TYPES:
        raise invalid_value(req.command, "type", type_)
    scope, hidden = directory.list_scope(caller, req.boolean("listall", False))
    words = tuple(w.lower() for w in (req.get("name"), req.get("keyword")) if w)
    match = statetable.Filter(id=volid, zoneid=req.get("zoneid") or None, search=words, hide_owners=hidden)
    rows = [r.as_dict() for r in statetable.list_rows("volume", scope, match)]
    rows = [v for v in rows if (vmid is None or v.get("virtualmachineid") == vmid)
            and (type_ is None or v["type"] == type_.upper()) and (not req.get("name") or v["name"] == req.get("name"))]
    rows = tags.matching(req, "Volume", rows)
    shown = rows[page.start:page.end()]
    return list_payload("volume", views(shown), len(rows))


def views(volumes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Volumes as the wire shows them, with their VM's state and their tags."""
    vm_rows = statetable.get_many({("vm", str(v["virtualmachineid"])) for v in volumes if v.get("virtualmachineid")})
    states = {id_: row.as_dict().get("state") for (_, id_), row in vm_rows.items()}
    tagged = tags.tags_of("Volume", [str(v["id"]) for v in volumes])
    return [vols.public_view(v, cloudstack_date, states.get(str(v.get("virtualmachineid"))),
                             tagged.get(str(v["id"]))) for v in volumes]


def create_volume(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    zoneid, offeringid = _id(req, "zoneid"), _id(req, "diskofferingid")
    name = _name(req)
    rows = statetable.get_many([("zone", zoneid), ("diskoffering", offeringid)])
    if ("zone", zoneid) not in rows:
        raise invalid_value(req.command, "zoneid", zoneid)
    if ("diskoffering", offeringid) not in rows:
        raise invalid_value(req.command, "diskofferingid", offeringid)
    zone, offering = rows[("zone", zoneid)].as_dict(), rows[("diskoffering", offeringid)].as_dict()
    size = _size(req, offering)
    volid = new_volume_id()
    owner = {"account": caller.account, "accountid": caller.accountid, "domainid": caller.domainid,
             "domain": caller.domain}
    planned = vols.data_volume(volid, name or f"DATA-{volid}", owner, zone, offering, size, ev.now_iso())
    jobid = submit_job("createVolume", caller.actor(request_id), "Volume", volid, req.params, jobid=new_job_id(),
                       extra={"volume": planned}, effects=guard_of(caller))
    return {"jobid": jobid, "id": volid}


def attach_volume(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    volume = visible_volume(req, caller)
    vmid = req.require("virtualmachineid")
    row = statetable.get("vm", vmid) if is_numeric_id(vmid) else None
    if row is None or not can_see(caller, row.as_dict()):
        raise invalid_value(req.command, "virtualmachineid", vmid)
    refusal = vols.device_refusal(req.integer("deviceid"))
    if refusal:
        raise ApiError(431, refusal)
    # the VM's state is checked in the job's turn (its earlier commands may change it); the rest now
    refusal = vols.attach_refusal(volume, dict(row.as_dict(), state="Stopped"))
    if refusal:
        raise ApiError(431, refusal)
    return {"jobid": queue_vm_command("attachVolume", vmid, caller.actor(request_id), req.params, guard_of(caller))}


def detach_volume(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    volume = visible_volume(req, caller)
    refusal = vols.detach_refusal(volume, None)
    if refusal:
        raise ApiError(431, refusal)
    vmid = str(volume["virtualmachineid"])
    return {"jobid": queue_vm_command("detachVolume", vmid, caller.actor(request_id), req.params, guard_of(caller))}


def resize_volume(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    volume = visible_volume(req, caller)
    offering = None
    if req.get("diskofferingid"):
        offeringid = _id(req, "diskofferingid")
        row = statetable.get("diskoffering", offeringid)
        if row is None or volume["type"] == "ROOT":
            raise invalid_value(req.command, "diskofferingid", offeringid)
        offering = row.as_dict()
    size = _size(req, offering) if offering or req.get("size") else int(volume["size"])
    if size < int(volume["size"]) and not req.boolean("shrinkok", False):
        raise ApiError(431, f"Going from existing size of {int(volume['size']) // vols.GB} GB to size of "
                            f"{size // vols.GB} GB would shrink the volume. Need to sign off by supplying the "
                            "shrinkok parameter with value of true.")
    extra: dict[str, Any] = {"size": size, **({"diskoffering": offering} if offering else {})}
    jobid = submit_job("resizeVolume", caller.actor(request_id), "Volume", str(volume["id"]), req.params,
                       extra=extra, effects=guard_of(caller))
    return {"jobid": jobid}


def delete_volume(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    """Sync in CloudStack: a detached DATADISK goes, with its storage, at once."""
    volume = visible_volume(req, caller)
    if volume.get("virtualmachineid"):
        raise ApiError(431, "Please specify a volume that is not attached to any VM.")
    if volume["type"] == "ROOT":
        raise ApiError(431, "Please specify a volume that is not a ROOT volume.")
    gone = vols.changed(volume, dict(volume, state="Expunged"))
    stream = f"volume#{volume['id']}"
    tagged = statetable.get("tags", tg.row_id("Volume", str(volume["id"])))  # its tags go with it
    emptied = [tg.emptied(tagged.as_dict())] if tagged is not None else []
    data: dict[str, Any] = {"volume": gone, **({"tagrows": [row for row, _ in emptied]} if emptied else {})}
    [event] = ev.chained(None, [ev.new_event(stream, 1, ev.VOLUME_DELETED, data, caller.actor(request_id))])
    try:
        eventlog.commit([event], [*writes([(volume, gone)]), *(w for _, ws in emptied for w in ws),
                                  *guard_of(caller)])
    except eventlog.StaleVersion as exc:  # attached, resized or deleted meanwhile
        raise ApiError(431, "The volume changed while it was being deleted: try again") from exc
    return {"success": True}


def visible_volume(req: ApiRequest, caller: Caller) -> dict[str, Any]:
    volid = req.require("id")
    row = statetable.get("volume", volid) if is_numeric_id(volid) else None
    if row is None or not can_see(caller, row.as_dict()):
        raise invalid_value(req.command, "id", volid)
    return row.as_dict()


def _size(req: ApiRequest, offering: dict[str, Any] | None) -> int:
    """Bytes: the offering's fixed size, or `size` (GB) for a custom offering (1 to CloudStack's maximum)."""
    if offering is not None and not offering.get("iscustomized") and int(offering.get("disksize") or 0) > 0:
        return int(offering["disksize"]) * vols.GB
    gb = req.integer("size")
    if gb is None:
        raise ApiError(431, "Size needs to be specified for a custom disk offering.")
    if not 1 <= gb <= vols.MAX_CUSTOM_GB:
        raise ApiError(431, f"Volume size must be between 1 and {vols.MAX_CUSTOM_GB} GB")
    return gb * vols.GB


def _name(req: ApiRequest) -> str | None:
    name = req.get("name") or None
    if name is not None and (len(name) > MAX_NAME or not name.isprintable()):
        raise invalid_value(req.command, "name", name)
    return name


def _id(req: ApiRequest, param: str) -> str:
    value = req.require(param)
    if not is_id(value):
        raise invalid_value(req.command, param, value)
    return value


def _optional_id(req: ApiRequest, param: str) -> str | None:
    value = req.get(param)
    if value is not None and not is_numeric_id(value):
        raise invalid_value(req.command, param, value)
    return value
