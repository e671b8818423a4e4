"""The virtual machine document, in CloudStack's field order. Pure."""
from __future__ import annotations

import ipaddress
import re
from typing import Any, Mapping

from chalicelib.core import effects as fx
from chalicelib.core.accounts import Caller

VM_FIELDS = (
    "id", "name", "displayname", "account", "domainid", "domain", "created", "state", "haenable", "group",
    "zoneid", "zonename", "hostid", "hostname", "templateid", "templatename", "templatedisplaytext",
    "passwordenabled", "serviceofferingid", "serviceofferingname", "cpunumber", "cpuspeed", "memory", "guestosid",
    "rootdeviceid", "rootdevicetype", "nic", "hypervisor", "diskofferingid", "diskofferingname", "keypair", "keypairs",
    "tags", "jobid", "jobstatus",
)
NIC_FIELDS = ("id", "networkid", "netmask", "gateway", "ipaddress", "isolationuri", "broadcasturi",
              "traffictype", "type", "isdefault")
STATES = ("Stopped", "Starting", "Running", "Stopping", "Destroyed", "Expunging", "Error")


def vm_name(accountid: str, vmid: str) -> str:
    return f"i-{accountid}-{vmid}-VM"


def new_vm(vmid: str, caller: Caller, created: str, state: str, zone: Mapping[str, Any],
           template: Mapping[str, Any], offering: Mapping[str, Any],
           diskoffering: Mapping[str, Any] | None = None, name: str | None = None,
           displayname: str | None = None) -> dict[str, Any]:
    """The VM as it is on submission: no host and no NIC yet."""
    name = name or vm_name(caller.accountid, vmid)
    vm: dict[str, Any] = {
        "id": vmid, "name": name, "displayname": displayname or name, "account": caller.account,
        "domainid": caller.domainid, "domain": caller.domain, "accountid": caller.accountid,
        "created": created, "state": state, "haenable": bool(offering.get("offerha", False)),
        "zoneid": zone["id"], "zonename": zone["name"],
        "templateid": template["id"], "templatename": template["name"],
        "templatedisplaytext": template.get("displaytext", template["name"]),
        "passwordenabled": bool(template.get("passwordenabled", False)),
        "serviceofferingid": offering["id"], "serviceofferingname": offering["name"],
        "cpunumber": int(offering["cpunumber"]), "cpuspeed": int(offering["cpuspeed"]),
        "memory": int(offering["memory"]), "guestosid": template.get("ostypeid", ""),
        "rootdeviceid": 0, "rootdevicetype": "NetworkFilesystem",
        "hypervisor": template.get("hypervisor", "XenServer"),
        "volumeids": [],  # its deploy job adds its ROOT (and DATADISK): runtime/vm_run.volume_ids
    }
    if diskoffering:
        vm["diskofferingid"] = diskoffering["id"]
        vm["diskofferingname"] = diskoffering["name"]
    return vm


def needs(vm: Mapping[str, Any]) -> tuple[int, int]:
    """CPU (MHz) and memory (MB) the VM holds on its host while Running."""
    return int(vm["cpunumber"]) * int(vm["cpuspeed"]), int(vm["memory"])


def nic(nicid: str, network: Mapping[str, Any], ip: str) -> dict[str, Any]:
    netmask = str(ipaddress.ip_network(network["cidr"], strict=False).netmask)
    uri = f"vlan://{network['vlan']}"
    return {"id": nicid, "networkid": network["id"], "netmask": netmask, "gateway": network["gateway"],
            "ipaddress": ip, "isolationuri": uri, "broadcasturi": uri, "traffictype": "Guest",
            "type": "Virtual", "isdefault": bool(network.get("isdefault", True))}


def placed(vm: Mapping[str, Any], host: Mapping[str, Any], nics: list[dict[str, Any]], state: str) -> dict[str, Any]:
    out = dict(vm, hostid=host["id"], hostname=host["name"], nic=nics, state=state)
    out["hypervisor"] = host.get("hypervisor", out["hypervisor"])
    return out


def with_state(vm: Mapping[str, Any], state: str) -> dict[str, Any]:
    return dict(vm, state=state)


def public_view(vm: Mapping[str, Any], created_format: Any) -> dict[str, Any]:
    """The VM as the wire shows it: documented field order, dates formatted, internal fields dropped. `tags` is
    always there, as in CloudStack 4.x (`"tags":[]` in JSON): Ansible's cs_instance sets tags only when it is."""
    out: dict[str, Any] = {}
    vm = {**vm, "tags": vm.get("tags") or []}
    if vm.get("keypair"):  # CloudStack 4.17+ shows the names as `keypairs` too
        vm["keypairs"] = vm["keypair"]
    for name in VM_FIELDS:
        if name not in vm or vm[name] is None:
            continue
        if name == "created":
            out[name] = created_format(vm[name])
        elif name == "nic":
            out[name] = [{k: n[k] for k in NIC_FIELDS if k in n} for n in vm["nic"]]
        else:
            out[name] = vm[name]
    return out


def unplaced(vm: Mapping[str, Any]) -> dict[str, Any]:
    """A stopped VM holds no host."""
    return {k: v for k, v in vm.items() if k not in ("hostid", "hostname")}


SYSTEM_NAME = re.compile(r"i-\d+-\d+-VM")  # the names the system gives (vm_name): unique by construction
NAME_CLAIM_KIND = "vmname"


def name_claim(vm: Mapping[str, Any] | None) -> str | None:
    """What a VM's name holds while the VM is not expunged: a name given by its account (the system's names
    are unique already), unique in the account and zone (hostnames compare without case)."""
    if not vm or vm.get("state") == "Expunging" or SYSTEM_NAME.fullmatch(str(vm["name"])):
        return None
    return f"{vm['accountid']}#{vm['zoneid']}#{str(vm['name']).lower()}"


def name_moves(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[fx.Effect]:
    """The claims a VM document change takes and gives back (a new name, a rename, an expunge)."""
    before, after = name_claim(old), name_claim(new)
    if before == after:
        return []
    out: list[fx.Effect] = [fx.DeleteState(NAME_CLAIM_KIND, before)] if before else []
    return out + ([fx.Claim(NAME_CLAIM_KIND, after, str(new["id"]))] if after else [])
