"""Submitting async commands: validate synchronously, record JobSubmitted with its effects, enqueue."""
from __future__ import annotations

from typing import Any

from chalicelib import effects as fx
from chalicelib import jobs, settings, state, store
from chalicelib import vm as vms
from chalicelib.accounts import Caller
from chalicelib.errors import invalid_value
from chalicelib.events import now_iso
from chalicelib.queue import send_job
from chalicelib.request import ApiRequest

COMMAND = "deployVirtualMachine"


def deploy_virtual_machine(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    """Answer `{jobid, id}` at once; the worker does the rest. A rejected request writes nothing."""
    zoneid, offeringid, templateid = (req.require(p) for p in ("zoneid", "serviceofferingid", "templateid"))
    diskofferingid = req.get("diskofferingid") or None
    startvm = req.boolean("startvm", True)
    rows = state.get_many([("zone", zoneid), ("serviceoffering", offeringid), ("template", templateid)]
                          + ([("diskoffering", diskofferingid)] if diskofferingid else []))
    zone = _found(rows, "zone", zoneid, req, "zoneid")
    offering = _found(rows, "serviceoffering", offeringid, req, "serviceofferingid")
    template = _found(rows, "template", templateid, req, "templateid")
    if template.get("zoneid") not in (None, "-1", zoneid):
        raise invalid_value(req.command, "templateid", templateid)
    disk = _found(rows, "diskoffering", diskofferingid, req, "diskofferingid") if diskofferingid else None
    config = settings.load()
    jobid = str(state.next_value("job", config.job_id_start))
    vmid = str(state.next_value("vm", config.vm_id_start))
    at = now_iso()
    vm = vms.new_vm(vmid, caller, at, "Starting" if startvm else "Stopped", zone, template, offering, disk,
                    name=req.get("name"), displayname=req.get("displayname"))
    event = jobs.submitted(jobid, COMMAND, caller.actor(request_id), "VirtualMachine", vmid, req.params,
                           {"vm": vm}, at)
    store.commit([event], [fx.put_vm(vm)])
    send_job(jobid)
    return {"jobid": jobid, "id": vmid}


def _found(rows: dict[Any, Any], kind: str, id_: str, req: ApiRequest, param: str) -> dict[str, Any]:
    row = rows.get((kind, id_))
    if row is None:
        raise invalid_value(req.command, param, id_)
    return dict(row.as_dict())
