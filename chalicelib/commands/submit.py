"""The async VM commands: validate synchronously, then hand the job to `runtime.submission`.

A rejected request writes nothing: every check happens before the first write.
"""
from __future__ import annotations

from typing import Any, Callable

from chalicelib import settings
from chalicelib.aws import eventlog, statetable
from chalicelib.aws.directory import can_see
from chalicelib.cloudstack.request import ApiRequest, is_id, is_numeric_id
from chalicelib.commands.auth import guard_of
from chalicelib.core import effects as fx
from chalicelib.core import keypairs as kp
from chalicelib.core import userdata
from chalicelib.core import volume as vols
from chalicelib.core import vm as vms
from chalicelib.core.accounts import Caller
from chalicelib.core.errors import ApiError, echo, invalid_value
from chalicelib.core.events import now_iso
from chalicelib.core.placement import address_refusal
from chalicelib.core.userdata import UserData
from chalicelib.core.vm_rules import name_taken_text
from chalicelib.runtime.vm_run import default_network
from chalicelib.runtime.submission import new_job_id, queue_vm_command, submit_job
MAX_NAME = 63


def deploy_virtual_machine(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    """Answer `{jobid, id}` at once; the worker places the VM."""
    zoneid, offeringid, templateid = (_id(req, p) for p in ("zoneid", "serviceofferingid", "templateid"))
    diskofferingid = _id(req, "diskofferingid") if req.get("diskofferingid") else None
    startvm = req.boolean("startvm", True)
    name, displayname = vm_names(req)
    rows = statetable.get_many([("zone", zoneid), ("serviceoffering", offeringid), ("template", templateid)]
                          + ([("diskoffering", diskofferingid)] if diskofferingid else []))
    zone = _found(rows, "zone", zoneid, req, "zoneid")
    offering = _found(rows, "serviceoffering", offeringid, req, "serviceofferingid")
    template = _found(rows, "template", templateid, req, "templateid")
    if template.get("zoneid") not in (None, "-1", zoneid):
        raise invalid_value(req.command, "templateid", templateid)
    disk = _found(rows, "diskoffering", diskofferingid, req, "diskofferingid") if diskofferingid else None
    _no_groups(req)
    extra = _placement_choices(req, caller, zoneid, template)
    extra.update(_deploy_details(req, template))
    data = user_data(req)
    extra.update(data.fields() if data else {})
    jobid = new_job_id()
    config = settings.load()
    vmid = statetable.next_id("vm", config.vm_id_start, config.id_block)
    at = now_iso()
    vm = vms.new_vm(vmid, caller, at, "Starting" if startvm else "Stopped", zone, template, offering, disk,
                    name=name, displayname=displayname)
    vm.update(extra)
    try:
        submit_job("deployVirtualMachine", caller.actor(request_id), "VirtualMachine", vmid, req.params,
                   jobid=jobid, extra={"vm": vm}, at=at,
                   effects=[*vms.name_moves(None, vm), fx.PutVm(vm, add_job=jobid), *([data.row()] if data else []),
                            *guard_of(caller)])
    except eventlog.NameTaken:  # nothing was written
        raise ApiError(431, name_taken_text(str(vm["name"]))) from None
    return {"jobid": jobid, "id": vmid}


def vm_command(command: str) -> Callable[[ApiRequest, Caller, str], dict[str, Any]]:
    """start/stop/reboot/destroyVirtualMachine: queue the command on the VM; the worker applies it in turn."""

    def submit(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
        vmid = req.require("id")
        for flag in ("forced", "expunge"):
            req.boolean(flag, False)
        row = statetable.get("vm", vmid) if is_numeric_id(vmid) else None
        if row is None or not can_see(caller, row.as_dict()):
            raise invalid_value(req.command, "id", vmid)
        return {"jobid": queue_vm_command(command, vmid, caller.actor(request_id), req.params, guard_of(caller))}

    return submit


def _placement_choices(req: ApiRequest, caller: Caller, zoneid: str, template: dict[str, Any]) -> dict[str, Any]:
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
        rows = statetable.get_many([("network", n) for n in ids])
        for n in ids:
            network = rows.get(("network", n))
            if network is None or network.as_dict().get("zoneid") != zoneid:
                raise invalid_value(req.command, "networkids", n)
        out["networkids"] = ids
    if req.get("keypair") or req.get("keypairs"):
        out["keypair"] = own_keypair(req, caller)
    if req.get("ipaddress"):
        out["ipaddress"] = _free_address(req, zoneid, out.get("networkids"))
    return out


def _free_address(req: ApiRequest, zoneid: str, networkids: list[str] | None) -> str:
    """`ipaddress`: an address of the VM's first network (the named one, else the zone's default), not leased
    now (a deploy that loses it to another before its job runs fails 431)."""
    ip = req.get("ipaddress") or ""
    try:
        network = default_network({"networkids": networkids, "zoneid": zoneid})
    except LookupError:
        raise invalid_value(req.command, "ipaddress", ip) from None
    refusal = address_refusal(network, ip)
    if refusal:
        raise ApiError(431, refusal)
    if statetable.get("lease", fx.lease_id(str(network["id"]), ip)) is not None:
        raise ApiError(431, f"IP address {ip} is already in use in network {network.get('name', network['id'])}")
    return ip


def _deploy_details(req: ApiRequest, template: dict[str, Any]) -> dict[str, Any]:
    """`group` (up to 255 characters) and `rootdisksize` (GB, not smaller than the template, at most 1024)."""
    out: dict[str, Any] = {}
    group = req.get("group")
    if group:
        if len(group) > 255:
            raise invalid_value(req.command, "group", group[:32] + "…")
        out["group"] = group
    size = req.integer("rootdisksize")
    if size is not None:
        template_gb = -(-int(template.get("size") or 0) // vols.GB)
        if size < template_gb:
            raise ApiError(431, f"Root disk size {size} GB is smaller than the template size {template_gb} GB")
        if size > vols.MAX_CUSTOM_GB:
            raise invalid_value(req.command, "rootdisksize", str(size))
        out["rootdisksize"] = size
    return out


def _no_groups(req: ApiRequest) -> None:
    """jobledger has no security or affinity groups (their lists are empty): naming one is naming a missing
    one, which CloudStack refuses too."""
    for name in ("securitygroupids", "securitygroupnames", "affinitygroupids", "affinitygroupnames"):
        value = req.get(name)
        if value and value.strip(","):
            raise invalid_value(req.command, name, value.split(",")[0][:64])


def own_keypair(req: ApiRequest, caller: Caller) -> str:
    """`keypair`, or `keypairs` (CloudStack 4.17+: a list, at most MAX_KEYPAIRS), must name the caller's own key
    pairs (another account's reads as missing); the VM keeps their names joined by commas, as CloudStack's
    `keypairs` shows them."""
    from chalicelib.commands.keypairs import find

    param = "keypair" if req.get("keypair") else "keypairs"
    names = kp.names(req.params)
    if not names:
        raise invalid_value(req.command, param, req.require(param))
    if len(names) > kp.MAX_KEYPAIRS:
        raise ApiError(431, f"At most {kp.MAX_KEYPAIRS} SSH key pairs can be given to a virtual machine")
    for name in names:
        if len(name) > 255 or find(caller, name) is None:
            raise invalid_value(req.command, param, name)
    return ",".join(names)


def reset_ssh_key(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    """resetSSHKeyForVirtualMachine: the key pair checked now; the VM must be stopped in the job's turn."""
    own_keypair(req, caller)
    return vm_command("resetSSHKeyForVirtualMachine")(req, caller, request_id)


def user_data(req: ApiRequest) -> UserData | None:
    """The request's `userdata`, checked (2 KB by GET, 32 KB by POST), or None."""
    raw = req.get("userdata")
    return userdata.checked(raw, req.method == "POST") if raw else None


def vm_names(req: ApiRequest) -> tuple[str | None, str | None]:
    """CloudStack's rule for `name`: a hostname label (letters, digits, hyphens; not starting with a digit), not
    of the system's form (`i-2-100-VM`, which the system gives)."""
    name = req.get("name") or None
    if name is not None and not _is_hostname(name):
        raise ApiError(431, f"Invalid value for parameter name: {echo(name)}. The name must be a valid hostname: "
                            "up to 63 ASCII letters, digits and hyphens, starting with a letter")
    if name is not None and vms.SYSTEM_NAME.fullmatch(name):
        raise ApiError(431, f"Invalid value for parameter name: {echo(name)}. Names of the form i-<n>-<n>-VM are "
                            "the ones the system gives")
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
