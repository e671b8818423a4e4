"""Commands that change an existing VM: updateVirtualMachine, changeServiceForVirtualMachine, scaleVirtualMachine,
recoverVirtualMachine. Each is checked here (a rejected request writes nothing) and queued on the VM as a job
that the worker completes in the VM's turn (runtime/vm_changes), so every change is an event the audit replays.

CloudStack answers updateVirtualMachine, changeServiceForVirtualMachine and recoverVirtualMachine synchronously
with the `virtualmachine`, and so does jobledger: the API runs their job itself (runtime/inline) and answers its
result, or its failure as the command's error. scaleVirtualMachine is async, as in CloudStack: it answers `jobid`.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from chalicelib.aws import statetable
from chalicelib.aws.directory import can_see
from chalicelib.cloudstack.request import ApiRequest, is_id, is_numeric_id
from chalicelib.commands.auth import guard_of
from chalicelib.commands.submit import user_data, vm_names
from chalicelib.core import effects as fx
from chalicelib.core.accounts import Caller
from chalicelib.core.errors import invalid_value
from chalicelib.runtime.inline import result_or_error, run_now
from chalicelib.runtime.submission import queue_vm_command

MAX_TEXT = 255


def update_virtual_machine(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    """name (a hostname; the VM must be Stopped), displayname, group (each up to 255 characters), haenable
    (true/false), userdata (base64, as on deploy: its bytes in their own row, its digest in the job's
    JobSubmitted and then in the VM's document)."""
    vm_names(req)
    for name in ("displayname", "group"):
        value = req.get(name)
        if value is not None and len(value) > MAX_TEXT:
            raise invalid_value(req.command, name, value[:32] + "…")
    req.boolean("haenable", False)
    data = user_data(req)
    return _run("updateVirtualMachine", req, caller, request_id,
                extra=data.fields() if data else None, effects=[data.row()] if data else [])


def change_service_for_virtual_machine(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    """The VM must be Stopped when the job runs; the offering must exist now."""
    _offering(req)
    return _run("changeServiceForVirtualMachine", req, caller, request_id)


def scale_virtual_machine(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    """Async in CloudStack: a Stopped VM changes offering; a Running one only if its host has the room."""
    _offering(req)
    return _queue("scaleVirtualMachine", req, caller, request_id)


def recover_virtual_machine(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    """A Destroyed (not Expunging) VM back to Stopped."""
    return _run("recoverVirtualMachine", req, caller, request_id)


def migrate_virtual_machine(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    """Root admin, async as in CloudStack: `virtualmachineid`, `hostid` (else the least loaded other host with
    room); the VM must be Running when the job runs."""
    vmid = req.require("virtualmachineid")
    hostid = req.get("hostid")
    if hostid and (not is_id(hostid) or statetable.get("host", hostid) is None):
        raise invalid_value(req.command, "hostid", hostid)
    row = statetable.get("vm", vmid) if is_numeric_id(vmid) else None
    if row is None or not can_see(caller, row.as_dict()):
        raise invalid_value(req.command, "virtualmachineid", vmid)
    return {"jobid": queue_vm_command("migrateVirtualMachine", vmid, caller.actor(request_id), req.params,
                                      guard_of(caller))}


def _run(command: str, req: ApiRequest, caller: Caller, request_id: str, *,
         extra: Mapping[str, Any] | None = None, effects: Sequence[fx.Effect] = ()) -> dict[str, Any]:
    """Sync in CloudStack: the job runs in this request; its result (the `virtualmachine`) is the answer."""
    jobid = _queue(command, req, caller, request_id, extra=extra, effects=effects, send=False)["jobid"]
    return result_or_error(run_now(jobid, request_id))


def _queue(command: str, req: ApiRequest, caller: Caller, request_id: str, *, extra: Mapping[str, Any] | None = None,
           effects: Sequence[fx.Effect] = (), send: bool = True) -> dict[str, Any]:
    vmid = req.require("id")
    row = statetable.get("vm", vmid) if is_numeric_id(vmid) else None
    if row is None or not can_see(caller, row.as_dict()):  # another account's VM reads as a missing one
        raise invalid_value(req.command, "id", vmid)
    return {"jobid": queue_vm_command(command, vmid, caller.actor(request_id), req.params, guard_of(caller),
                                      extra=extra, effects=effects, send=send)}


def _offering(req: ApiRequest) -> None:
    offeringid = req.require("serviceofferingid")
    if not is_id(offeringid) or statetable.get("serviceoffering", offeringid) is None:
        raise invalid_value(req.command, "serviceofferingid", offeringid)
