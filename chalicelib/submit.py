"""Submitting async commands: validate synchronously, record JobSubmitted with its effects, enqueue.

A rejected request writes nothing: every check happens before the first write.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import logging
from typing import Any, Callable, Mapping, Sequence

from chalicelib import effects as fx
from chalicelib import jobs, settings, state, store
from chalicelib.directory import Also
from chalicelib.events import chained
from chalicelib.fold import fold, job_row
from chalicelib import vm as vms
from chalicelib.accounts import Caller
from chalicelib.errors import CS_INVALID_PARAMETER_VALUE, ApiError, echo, invalid_value
from chalicelib.events import now_iso
from chalicelib.queue import send_job
from chalicelib.request import ApiRequest, is_id, is_numeric_id
from chalicelib.directory import can_see

log = logging.getLogger(__name__)
MAX_NAME = 63
USERDATA_GET_LIMIT, USERDATA_POST_LIMIT = 2048, 32768


def deploy_virtual_machine(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    """Answer `{jobid, id}` at once; the worker places the VM."""
    zoneid, offeringid, templateid = (_id(req, p) for p in ("zoneid", "serviceofferingid", "templateid"))
    diskofferingid = _id(req, "diskofferingid") if req.get("diskofferingid") else None
    startvm = req.boolean("startvm", True)
    name, displayname = _names(req)
    rows = state.get_many([("zone", zoneid), ("serviceoffering", offeringid), ("template", templateid)]
                          + ([("diskoffering", diskofferingid)] if diskofferingid else []))
    zone = _found(rows, "zone", zoneid, req, "zoneid")
    offering = _found(rows, "serviceoffering", offeringid, req, "serviceofferingid")
    template = _found(rows, "template", templateid, req, "templateid")
    if template.get("zoneid") not in (None, "-1", zoneid):
        raise invalid_value(req.command, "templateid", templateid)
    disk = _found(rows, "diskoffering", diskofferingid, req, "diskofferingid") if diskofferingid else None
    extra = _placement_choices(req, zoneid, template)
    extra.update(_userdata(req))
    jobid = new_job_id()
    config = settings.load()
    vmid = state.next_id("vm", config.vm_id_start, config.id_block)
    at = now_iso()
    vm = vms.new_vm(vmid, caller, at, "Starting" if startvm else "Stopped", zone, template, offering, disk,
                    name=name, displayname=displayname)
    vm.update(extra)
    submit_job("deployVirtualMachine", caller.actor(request_id), "VirtualMachine", vmid, req.params,
               jobid=jobid, extra={"vm": vm}, at=at, effects=[fx.PutVm(vm, add_job=jobid), *guard_of(caller)])
    return {"jobid": jobid, "id": vmid}


def vm_command(command: str) -> Callable[[ApiRequest, Caller, str], dict[str, Any]]:
    """start/stop/reboot/destroyVirtualMachine: queue the command on the VM; the worker applies it in turn."""

    def submit(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
        vmid = req.require("id")
        for flag in ("forced", "expunge"):
            req.boolean(flag, False)
        row = state.get("vm", vmid) if is_numeric_id(vmid) else None
        if row is None or not can_see(caller, row.as_dict()):
            raise invalid_value(req.command, "id", vmid)
        return {"jobid": queue_vm_command(command, vmid, caller.actor(request_id), req.params, guard_of(caller))}

    return submit


def queue_vm_command(command: str, vmid: str, actor: Mapping[str, str], params: Mapping[str, str],
                     guard: Sequence[fx.Effect] = ()) -> str:
    """Record a command on an existing VM as a job queued behind the VM's earlier jobs, and send it."""
    jobid = new_job_id()
    return submit_job(command, actor, "VirtualMachine", vmid, params, jobid=jobid,
                      effects=[fx.QueueVmJob(vmid, jobid), *guard])


def guard_of(caller: Caller) -> list[fx.Effect]:
    """What every write of a signed request commits with: its key must still be enabled (revocation is
    effective when its answer leaves). The local stack's unsigned admin has no key to check."""
    return [fx.RequireKey(caller.apikey)] if caller.apikey else []


def new_job_id() -> str:
    config = settings.load()
    return state.next_id("job", config.job_id_start, config.id_block)


def submit_job(command: str, actor: Mapping[str, str], instancetype: str, instanceid: str,
               params: Mapping[str, str], *, jobid: str | None = None, extra: Mapping[str, Any] | None = None,
               at: str | None = None, effects: Sequence[fx.Effect] = (),
               record: Callable[[Also], object] | None = None) -> str:
    """The one way a job is accepted: JobSubmitted, its effects and the job's summary row in one transaction,
    then its message. `record` commits instead when the submission carries another aggregate's event (the
    revocation of deleteAccount and disableUser): it is handed what must ride in its transaction."""
    jobid = jobid or new_job_id()
    [event] = chained(None, [jobs.submitted(jobid, command, actor, instancetype, instanceid, params, extra, at)])
    also = Also([event], [*effects, fx.PutJob(job_row(fold(jobid, [event])))])
    if record is None:
        store.commit(also.events, also.effects)
    else:
        record(also)
    enqueue(jobid)
    return jobid


def enqueue(jobid: str) -> None:
    """Send the job's message. The job is recorded already: if the send fails it is still accepted, and the
    sweeper sends it (nothing accepted is lost, and the client is not told a recorded job was refused)."""
    try:
        send_job(jobid)
    except Exception:  # noqa: BLE001 - any failure here is the sweeper's to mend
        log.exception("job %s recorded but not enqueued; the sweeper will send it", jobid)


def _placement_choices(req: ApiRequest, zoneid: str, template: dict[str, Any]) -> dict[str, Any]:
    """networkids (guest networks of the zone, the first one the default NIC's), hypervisor, keypair."""
    out: dict[str, Any] = {}
    hypervisor = req.get("hypervisor")
    if hypervisor:
        if hypervisor.lower() != str(template.get("hypervisor", "")).lower():
            raise invalid_value(req.command, "hypervisor", hypervisor)
        out["hypervisor"] = template["hypervisor"]
    if req.get("networkids"):
        ids = [n.strip() for n in (req.get("networkids") or "").split(",") if n.strip()]
        if not ids or len(ids) > 8 or not all(is_id(n) for n in ids):
            raise invalid_value(req.command, "networkids", req.get("networkids") or "")
        rows = state.get_many([("network", n) for n in ids])
        for n in ids:
            network = rows.get(("network", n))
            if network is None or network.as_dict().get("zoneid") != zoneid:
                raise invalid_value(req.command, "networkids", n)
        out["networkids"] = ids
    if req.get("keypair"):
        if len(req.get("keypair") or "") > 255:
            raise invalid_value(req.command, "keypair", req.get("keypair") or "")
        out["keypair"] = req.get("keypair")
    return out


def _userdata(req: ApiRequest) -> dict[str, Any]:
    """Base64 user data, at most 2 KB by GET and 32 KB by POST (CloudStack's limits, decoded).

    Only its size and digest are kept: user data never reaches the log in clear.
    """
    raw = req.get("userdata")
    if not raw:
        return {}
    try:
        decoded = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(431, "User data is not base64 encoded", CS_INVALID_PARAMETER_VALUE) from None
    post = req.method == "POST"
    if len(decoded) > (USERDATA_POST_LIMIT if post else USERDATA_GET_LIMIT):
        text = "User data is too long for POST request" if post else "User data is too long for an http GET request"
        raise ApiError(431, text, CS_INVALID_PARAMETER_VALUE)
    return {"userdatabytes": len(decoded), "userdatadigest": hashlib.sha256(decoded).hexdigest()}


def _names(req: ApiRequest) -> tuple[str | None, str | None]:
    """CloudStack's rule for `name`: a hostname label (letters, digits, hyphens; not starting with a digit)."""
    name = req.get("name") or None
    if name is not None and not _is_hostname(name):
        raise ApiError(431, f"Invalid value for parameter name: {echo(name)}. The name must be a valid hostname: "
                            "up to 63 ASCII letters, digits and hyphens, starting with a letter")
    displayname = req.get("displayname") or None
    if displayname is not None and len(displayname) > 255:
        raise invalid_value(req.command, "displayname", displayname[:32] + "…")
    return name, displayname


def _is_hostname(name: str) -> bool:
    return (0 < len(name) <= MAX_NAME and name.isascii() and name[0].isalpha() and not name.endswith("-")
            and all(c.isalnum() or c == "-" for c in name))


def _id(req: ApiRequest, param: str) -> str:
    value = req.require(param)
    if not is_id(value):
        raise invalid_value(req.command, param, value)
    return value


def _found(rows: dict[Any, Any], kind: str, id_: str, req: ApiRequest, param: str) -> dict[str, Any]:
    row = rows.get((kind, id_))
    if row is None:
        raise invalid_value(req.command, param, id_)
    return dict(row.as_dict())
