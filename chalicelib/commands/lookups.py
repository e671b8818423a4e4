"""What clients look up on the way (Ansible's cloudstack collection, Terraform's provider): listNetworks,
listOsTypes and listHypervisors, sync lists read from the inventory's rows and paged as CloudStack pages them;
listCapabilities (static), listUsers (the directory, tenancy as listAccounts) and listNics (a VM's NICs).

The inventory's networks are zone-wide shared guest networks: every account of every domain may deploy on them,
so every caller sees them (as CloudStack shows a Shared network with `acltype` Domain under ROOT).
"""
from __future__ import annotations

import ipaddress
from typing import Any, Mapping

from chalicelib import settings
from chalicelib.aws import directory, statetable
from chalicelib.cloudstack.paging import matches_keyword, paging
from chalicelib.cloudstack.request import ApiRequest, is_numeric_id
from chalicelib.cloudstack.wire import list_payload
from chalicelib.core import accounts as acc
from chalicelib.core import volume as vols
from chalicelib.core.accounts import Caller
from chalicelib.core.errors import invalid_value
from chalicelib.core.vm import NIC_FIELDS

NETWORK_FIELDS = (
    "id", "name", "displaytext", "broadcastdomaintype", "traffictype", "gateway", "netmask", "cidr", "zoneid",
    "zonename", "issystem", "state", "broadcasturi", "dns1", "dns2", "type", "vlan", "acltype", "subdomainaccess",
    "domainid", "domain", "restartrequired", "specifyipranges", "canusefordeploy", "ispersistent", "isdefault",
    "tags",
)


def list_networks(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    """The zone's guest networks; filters id, zoneid, type, traffictype, issystem, canusefordeploy, keyword."""
    page = paging(req)
    zones = {z["id"]: z for z in _rows("zone")}
    items = [network_view(n, zones.get(n.get("zoneid", ""), {})) for n in _rows("network")]
    items = [n for n in items if _network_matches(req, n)]
    return list_payload("network", items[page.start:page.end()], len(items))


def network_view(network: Mapping[str, Any], zone: Mapping[str, Any]) -> dict[str, Any]:
    """A configured network in the shape of CloudStack 4.x's NetworkResponse."""
    uri = f"vlan://{network['vlan']}" if network.get("vlan") else None
    merged = {
        "displaytext": network.get("name"), "broadcastdomaintype": "Vlan", "traffictype": "Guest",
        "netmask": str(ipaddress.ip_network(network["cidr"], strict=False).netmask), "zonename": zone.get("name"),
        "issystem": False, "state": "Implemented", "broadcasturi": uri, "dns1": zone.get("dns1"),
        "dns2": zone.get("dns2"), "type": "Shared", "acltype": "Domain", "subdomainaccess": True, "domainid": "1",
        "domain": "ROOT", "restartrequired": False, "specifyipranges": True, "canusefordeploy": True,
        "ispersistent": False, "isdefault": False, "tags": [],
        **network,
    }
    return {name: merged[name] for name in NETWORK_FIELDS if merged.get(name) is not None}


def _network_matches(req: ApiRequest, network: Mapping[str, Any]) -> bool:
    for name in ("id", "zoneid"):
        if req.get(name) and str(network.get(name)) != req.get(name):
            return False
    for name in ("type", "traffictype"):
        if req.get(name) and str(network.get(name, "")).lower() != (req.get(name) or "").lower():
            return False
    for name in ("issystem", "canusefordeploy"):
        if req.get(name) is not None and bool(network.get(name)) != req.boolean(name, False):
            return False
    return matches_keyword(network, req.get("keyword"))


def list_os_types(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    """The guest OS types the templates name (id, description); filters id, description, keyword."""
    page = paging(req)
    found: dict[str, dict[str, Any]] = {}
    for template in _rows("template"):
        if template.get("ostypeid"):
            ostype = str(template["ostypeid"])
            found.setdefault(ostype, {"id": ostype, "description": template.get("ostypename") or ostype,
                                      "isuserdefined": False})
    items = [o for o in sorted(found.values(), key=lambda o: (len(o["id"]), o["id"]))
             if (not req.get("id") or o["id"] == req.get("id"))
             and (not req.get("description") or o["description"] == req.get("description"))
             and matches_keyword(o, req.get("keyword"), ("description",))]
    return list_payload("ostype", items[page.start:page.end()], len(items))


def list_hypervisors(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    """The hypervisors of the hosts (of one zone with `zoneid`); CloudStack answers them unpaged, by name."""
    zoneid = req.get("zoneid")
    if zoneid and zoneid not in {z["id"] for z in _rows("zone")}:
        raise invalid_value(req.command, "zoneid", zoneid)
    names = sorted({str(h["hypervisor"]) for h in _rows("host")
                    if h.get("hypervisor") and (not zoneid or h.get("zoneid") == zoneid)})
    return list_payload("hypervisor", [{"name": n} for n in names], len(names))


def _rows(kind: str) -> list[dict[str, Any]]:
    rows = [r.as_dict() for r in statetable.list_kind(kind)]
    return sorted(rows, key=lambda r: (len(str(r["id"])), str(r["id"])))


def list_capabilities(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    """CloudStack 4.x's CapabilitiesResponse: what this cloud offers (no security groups, ELB, projects or user
    templates; custom disk offerings up to the size createVolume accepts; the per-key request rate)."""
    config = settings.load()
    capability: dict[str, Any] = {
        "securitygroupsenabled": False, "dynamicrolesenabled": False,
        "cloudstackversion": config.cloudstack_version, "userpublictemplateenabled": False,
        "supportELB": "false", "projectinviterequired": False, "allowusercreateprojects": False,
        "customdiskofferingminsize": 1, "customdiskofferingmaxsize": vols.MAX_CUSTOM_GB,
        "regionsecondaryenabled": False, "kvmsnapshotenabled": False, "allowuserviewdestroyedvm": False,
        "allowuserexpungerecovervm": False,
    }
    if config.rate_limit > 0:
        capability.update(apilimitinterval=1, apilimitmax=config.rate_limit)
    return {"capability": capability}


def list_users(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    """Users as CloudStack 4.x's UserResponse (never a password or key): a user account's own users; an admin's
    domain (`domainid`: one it administers); the root admin's every user with `listall`. A domain admin never
    sees a root admin's users; deleted users are gone. Filters id, username, account, domainid, state, keyword."""
    page = paging(req)
    domainid = req.get("domainid")
    if caller.accounttype == acc.USER:
        scope = statetable.Scope("owner", caller.accountid)
    elif caller.accounttype == acc.ROOT_ADMIN and req.boolean("listall", False) and not domainid:
        scope = statetable.Scope("all")
    else:
        scope = statetable.Scope("domain", _administered_domain(req, caller, domainid or caller.domainid))
    found = [r.as_dict() for r in statetable.list_rows("user", scope)]
    if caller.accounttype != acc.ROOT_ADMIN:
        found = [u for u in found if int(u.get("accounttype", acc.USER)) != acc.ROOT_ADMIN
                 or u["accountid"] == caller.accountid]
    found = [u for u in found if u.get("state") != "deleted" and _user_matches(req, u)]
    items = [acc.view(u, acc.USER_FIELDS) for u in found[page.start:page.end()]]
    return list_payload("user", items, len(found))


def _administered_domain(req: ApiRequest, caller: Caller, domainid: str) -> str:
    """A domain the admin may list: any for the root admin, its own or one below it for a domain admin; for
    a user only its own. Any other id answers as a missing one."""
    row = statetable.get("domain", domainid) if is_numeric_id(domainid) else None
    if row is None or (caller.accounttype != acc.ROOT_ADMIN and not directory.within(row.as_dict(),
                                                                                       caller.domainid)):
        raise invalid_value(req.command, "domainid", domainid)
    return domainid


def _user_matches(req: ApiRequest, user: Mapping[str, Any]) -> bool:
    for name, field in (("id", "id"), ("username", "username"), ("account", "account"), ("domainid", "domainid")):
        if req.get(name) and str(user.get(field)) != req.get(name):
            return False
    if req.get("state") and str(user.get("state", "")).lower() != (req.get("state") or "").lower():
        return False
    return matches_keyword(user, req.get("keyword"), ("username", "firstname", "lastname", "email", "account"))


def list_nics(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    """A VM's NICs (CloudStack 4.x's NicResponse, with `virtualmachineid`); filters nicid, networkid. Another
    account's VM answers as a missing one (431)."""
    page = paging(req)
    vmid = req.require("virtualmachineid")
    row = statetable.get("vm", vmid) if is_numeric_id(vmid) else None
    if row is None or not directory.can_see(caller, row.as_dict()):
        raise invalid_value(req.command, "virtualmachineid", vmid)
    nics = [dict({k: n[k] for k in NIC_FIELDS if k in n}, virtualmachineid=vmid)
            for n in row.as_dict().get("nic") or []]
    nics = [n for n in nics if (not req.get("nicid") or str(n["id"]) == req.get("nicid"))
            and (not req.get("networkid") or str(n["networkid"]) == req.get("networkid"))]
    return list_payload("nic", nics[page.start:page.end()], len(nics))
