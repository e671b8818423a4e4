"""The volume document (CloudStack's VolumeResponse field order) and the rules of its commands. Pure.

A VM has a ROOT volume (its template's size) and, deployed with a disk offering, a DATADISK; createVolume makes
a detached DATADISK. A volume holds its size of its zone's primary storage until it is expunged.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from chalicelib.core import effects as fx
from chalicelib.core.rows import sort_key

GB = 1024 ** 3
MAX_CUSTOM_GB = 1024  # CloudStack's custom.diskoffering.size.max
MAX_DATA_DISKS = 6
CD_ROM_DEVICE = 3  # CloudStack keeps device 3 for the CD-ROM
VM_STATES_FOR_DISKS = ("Running", "Stopped")
STORAGE_CAPACITY_ERROR = 551

VOLUME_FIELDS = (
    "id", "name", "zoneid", "zonename", "type", "deviceid", "virtualmachineid", "vmname", "vmdisplayname",
    "vmstate", "provisioningtype", "size", "created", "attached", "state", "account", "domainid", "domain",
    "storagetype", "hypervisor", "diskofferingid", "diskofferingname", "diskofferingdisplaytext",
    "serviceofferingid", "serviceofferingname", "templateid", "templatename", "destroyed", "isextractable",
    "tags", "jobid", "jobstatus",
)
# Volume states: Allocated (never attached), Ready, Destroy (its VM destroyed, recoverable), Expunged (gone).
HOLDING_STATES = ("Allocated", "Ready", "Destroy")


def root_volume(volid: str, vm: Mapping[str, Any], template: Mapping[str, Any], at: str) -> dict[str, Any]:
    """The template's size, or the deployment's `rootdisksize` (GB, checked not smaller on submission)."""
    size = int(vm["rootdisksize"]) * GB if vm.get("rootdisksize") else int(template.get("size") or 0)
    out = _owned(volid, f"ROOT-{vm['id']}", "ROOT", vm, size, at)
    out.update(deviceid=0, templateid=template["id"], templatename=template["name"],
               serviceofferingid=vm["serviceofferingid"], serviceofferingname=vm["serviceofferingname"])
    return attached_to(out, vm, 0, at)


def data_volume(volid: str, name: str, owner: Mapping[str, Any], zone: Mapping[str, Any],
                offering: Mapping[str, Any], size: int, at: str) -> dict[str, Any]:
    """A DATADISK of `size` bytes; `owner` is a VM (deployed with the offering) or the caller's identity."""
    out = _owned(volid, name, "DATADISK", {**owner, "zoneid": zone["id"], "zonename": zone["name"]}, size, at)
    out.update(diskofferingid=offering["id"], diskofferingname=offering["name"],
               diskofferingdisplaytext=offering.get("displaytext", offering["name"]), state="Allocated")
    return out


def _owned(volid: str, name: str, type_: str, owner: Mapping[str, Any], size: int, at: str) -> dict[str, Any]:
    return {"id": volid, "name": name, "zoneid": owner["zoneid"], "zonename": owner["zonename"], "type": type_,
            "provisioningtype": "thin", "size": size, "created": at, "state": "Ready",
            "account": owner["account"], "accountid": owner["accountid"], "domainid": owner["domainid"],
            "domain": owner["domain"], "storagetype": "shared", "hypervisor": owner.get("hypervisor", "XenServer"),
            "destroyed": False, "isextractable": False}


def attached_to(volume: Mapping[str, Any], vm: Mapping[str, Any], deviceid: int, at: str) -> dict[str, Any]:
    return dict(volume, virtualmachineid=vm["id"], vmname=vm["name"], vmdisplayname=vm.get("displayname"),
                deviceid=deviceid, state="Ready", attached=at,
                hypervisor=vm.get("hypervisor", volume.get("hypervisor")))


def detached(volume: Mapping[str, Any]) -> dict[str, Any]:
    gone = ("virtualmachineid", "vmname", "vmdisplayname", "deviceid", "attached")
    return {k: v for k, v in volume.items() if k not in gone}


def holds(volume: Mapping[str, Any] | None) -> int:
    """Bytes of primary storage the volume holds."""
    if not volume or volume.get("state") not in HOLDING_STATES:
        return 0
    return int(volume.get("size") or 0)


MAX_DEVICE_ID = 15


def device_refusal(wanted: int | None) -> str | None:
    """An `attachVolume deviceid` CloudStack refuses before looking at the VM."""
    if wanted is None:
        return None
    if wanted == 0:
        return "deviceId can't be 0, which is used by Root device"
    if wanted == CD_ROM_DEVICE:
        return f"deviceId can't be {CD_ROM_DEVICE}, which is used by the CD-ROM"
    if not 1 <= wanted <= MAX_DEVICE_ID:
        return f"deviceId should be 1 ~ {MAX_DEVICE_ID}"
    return None


def chosen_device(volumes: Sequence[Mapping[str, Any]], wanted: int | None) -> int | str:
    """The device a data disk attaches as: `wanted` when free, else the lowest free one; a refusal (text) when
    the wanted device is taken or the VM has all its data disks."""
    device = next_device(volumes)
    if device is None:
        return f"The specified VM already has the maximum number of data disks ({MAX_DATA_DISKS})."
    if wanted is None:
        return device
    if any(int(v.get("deviceid", -1)) == wanted for v in volumes):
        return f"Device id {wanted} is already in use by the virtual machine"
    return wanted


def next_device(volumes: Sequence[Mapping[str, Any]]) -> int | None:
    """The lowest free device id for a data disk (1, 2, 4, …), None when the VM has all its data disks."""
    data = [v for v in volumes if v.get("type") == "DATADISK"]
    if len(data) >= MAX_DATA_DISKS:
        return None
    used = {int(v.get("deviceid", -1)) for v in volumes}
    return next(d for d in range(1, 16) if d not in used and d != CD_ROM_DEVICE)


def attach_refusal(volume: Mapping[str, Any], vm: Mapping[str, Any]) -> str | None:
    """Why attachVolume may not attach `volume` to `vm` (CloudStack's texts), None when it may."""
    if volume.get("type") != "DATADISK":
        return "Please specify a volume with the valid type: DATADISK"
    if volume.get("virtualmachineid"):
        return f"Please specify a volume that is not attached to any VM. Volume id = {volume['id']}"
    if volume.get("state") not in ("Allocated", "Ready"):
        return f"Volume id = {volume['id']} is in state {volume.get('state')}: it cannot be attached"
    if vm.get("state") not in VM_STATES_FOR_DISKS:
        return "Please specify a VM that is either running or stopped."
    if vm.get("zoneid") != volume.get("zoneid"):
        return "Please specify a VM that is in the same zone as the volume."
    if vm.get("accountid") != volume.get("accountid"):
        return "Please specify a VM that belongs to the same account as the volume."
    return None


def detach_refusal(volume: Mapping[str, Any], vm: Mapping[str, Any] | None) -> str | None:
    if volume.get("type") == "ROOT":
        return "Please specify a data volume."
    if not volume.get("virtualmachineid"):
        return "Volume is not attached to a VM"
    if vm is not None and vm.get("state") not in VM_STATES_FOR_DISKS:
        return "Please specify a VM that is either running or stopped."
    return None


def storage_refusal(zone: Mapping[str, Any], what: str) -> str:
    return f"Unable to {what} in zone {zone.get('name', zone.get('id'))} due to not enough storage capacity"


def public_view(volume: Mapping[str, Any], created_format: Any, vmstate: str | None = None,
                tags: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    # `tags` always there, as in CloudStack 4.x: Ansible's modules set tags only on a resource that has the key
    extra = {"vmstate": vmstate, "tags": tags or []} if volume.get("virtualmachineid") else {"tags": tags or []}
    merged = {**volume, **{k: v for k, v in extra.items() if v is not None}}
    for name in VOLUME_FIELDS:
        value = merged.get(name)
        if value is None:
            continue
        out[name] = created_format(value) if name in ("created", "attached") else value
    return out


def listed(volume: Mapping[str, Any]) -> dict[str, str]:
    """The listing attributes of a volume row: owner and domain indexes, zone, state and name filters."""
    return {"sort": sort_key("volume", str(volume["id"])), "owner": volume["accountid"],
            "domainid": volume["domainid"], "zoneid": volume["zoneid"], "vmstate": volume["state"],
            "search": str(volume["name"]).lower()}


def changed(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> dict[str, Any]:
    """`new` as the next version of `old` (version 1 when there was none)."""
    return dict(new, version=int((old or {}).get("version", 0)) + 1)


def volume_effects(old: Mapping[str, Any] | None, new: Mapping[str, Any],
                   capacity: int | None) -> list[fx.Effect]:
    """The writes that take a volume from `old` (its stored document, None if new) to `new` (already
    versioned by `changed`): its row, and the storage it takes or gives back. The worker commits them; the
    audit's replay derives the same from the document the job's event records."""
    grow, zoneid = holds(new) - holds(old), str(new["zoneid"])
    out: list[fx.Effect] = []
    if grow > 0:
        out.append(fx.ReserveStorage(zoneid, grow, capacity))
    elif grow < 0:
        out.append(fx.ReleaseStorage(zoneid, -grow))
    if new.get("state") == "Expunged":
        if old is not None:
            out.append(fx.DropVersioned("volume", str(new["id"]), int(old.get("version", 1))))
        return out
    return [*out, fx.PutVersioned("volume", str(new["id"]), dict(new), listed(new))]


def capacity_of(zone: Mapping[str, Any] | None) -> int | None:
    """A zone's primary storage in bytes (inventory `storagecapacity`); None: not bounded."""
    value = (zone or {}).get("storagecapacity")
    return None if value is None else int(value)


def pools_of(zone: Mapping[str, Any] | None) -> int:
    """A zone's primary storage pools (inventory `storagepools`, default 1). Each holds an equal share of the
    zone's capacity and the volumes whose id names it (as a CloudStack volume lives on one pool), so no single
    row counts every volume of a busy zone (one conditional write per volume made or deleted)."""
    return max(1, int((zone or {}).get("storagepools") or 1))


def pool_of(volid: str, pools: int) -> str:
    """The pool a volume's storage is counted in, for life: from its id ("": the zone's one pool)."""
    return str(int(volid) % pools) if pools > 1 and volid.isascii() and volid.isdigit() else ""


def writes_for(changes: list[tuple[Mapping[str, Any] | None, Mapping[str, Any]]],
               capacities: Mapping[str, int | None], pools: Mapping[str, int] | None = None) -> list[fx.Effect]:
    """The writes of several volume changes in one transaction: one storage change per zone's pool (a
    transaction may touch an item once), then each volume's row."""
    rows: list[fx.Effect] = []
    net: dict[tuple[str, str], int] = {}
    for old, new in changes:
        pool = pool_of(str(new["id"]), (pools or {}).get(str(new["zoneid"]), 1))
        for effect in volume_effects(old, new, None):
            if isinstance(effect, fx.ReserveStorage):
                net[(effect.zoneid, pool)] = net.get((effect.zoneid, pool), 0) + effect.size
            elif isinstance(effect, fx.ReleaseStorage):
                net[(effect.zoneid, pool)] = net.get((effect.zoneid, pool), 0) - effect.size
            else:
                rows.append(effect)
    storage: list[fx.Effect] = [
        fx.ReserveStorage(z, n, _share(capacities.get(z), (pools or {}).get(z, 1)), p) if n > 0
        else fx.ReleaseStorage(z, -n, p) for (z, p), n in sorted(net.items()) if n]
    return [*storage, *rows]


def _share(capacity: int | None, pools: int) -> int | None:
    return None if capacity is None else capacity // pools


def named_for(volume: Mapping[str, Any], vm: Mapping[str, Any]) -> dict[str, Any] | None:
    """An attached volume showing its VM's (new) name and display name (None: it shows them already)."""
    if not volume.get("virtualmachineid") or \
            (volume.get("vmname"), volume.get("vmdisplayname")) == (vm["name"], vm.get("displayname")):
        return None
    return dict(volume, vmname=vm["name"], vmdisplayname=vm.get("displayname"))


def following_vm(volume: Mapping[str, Any], vm_state: str) -> dict[str, Any] | None:
    """What a VM's lifecycle does to one of its volumes (None: nothing). Destroy marks the ROOT volume
    Destroy (recoverable); expunge deletes it and detaches the data disks; recovery makes ROOT Ready again."""
    if vm_state == "Destroyed" and volume["type"] == "ROOT" and volume["state"] != "Destroy":
        return dict(volume, state="Destroy", destroyed=True)
    if vm_state == "Expunging":
        return dict(volume, state="Expunged") if volume["type"] == "ROOT" else detached(volume)
    if vm_state in VM_STATES_FOR_DISKS and volume["state"] == "Destroy":
        return dict(volume, state="Ready", destroyed=False)
    return None
