"""What clients look up on the way (Ansible's cloudstack collection, Terraform's provider): listNetworks,
listOsTypes and listHypervisors, sync lists read from the inventory's rows and paged as CloudStack pages them.

The inventory's networks are zone-wide shared guest networks: every account of every domain may deploy on them,
so every caller sees them (as CloudStack shows a Shared network with `acltype` Domain under ROOT).
"""
from __future__ import annotations

import ipaddress
from typing import Any, Mapping

from chalicelib.aws import statetable
from chalicelib.cloudstack.paging import matches_keyword, paging
from chalicelib.cloudstack.request import ApiRequest
from chalicelib.cloudstack.wire import list_payload
from chalicelib.core.accounts import Caller
from chalicelib.core.errors import invalid_value

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
