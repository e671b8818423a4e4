"""listHosts, listPods, listClusters (root admin only), from the inventory's hosts: each host's CPU and memory,
allocated and total, with CloudStack's field names (used = total - free, as the state table's host rows keep
`free`, reserved and released with each VM), and the pods and clusters the hosts are in. A host names its
`podid`/`podname` and `clusterid`/`clustername` in the inventory, else it is in its zone's one pod (id: the
zone's) and in its pod's cluster of its hypervisor (a cluster runs one hypervisor, as in CloudStack)."""
from __future__ import annotations

from typing import Any

from chalicelib.aws import statetable
from chalicelib.cloudstack.paging import paging
from chalicelib.cloudstack.request import ApiRequest
from chalicelib.cloudstack.wire import list_payload
from chalicelib.core.accounts import Caller

MB = 1024 * 1024


def list_hosts(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    page = paging(req)
    zones = {z.id: z.as_dict().get("name") for z in statetable.list_kind("zone")}
    hosts = sorted(statetable.list_kind("host"), key=lambda r: (len(r.id), r.id))
    items = [host_item(r.as_dict(), r.free_cpu, r.free_memory, zones) for r in hosts
             if _wanted(req, r.as_dict())]
    return list_payload("host", items[page.start:page.end()], len(items))


def _wanted(req: ApiRequest, host: dict[str, Any]) -> bool:
    return all(not req.get(name) or str(host.get(name)) == req.get(name) for name in ("id", "zoneid"))


def host_item(host: dict[str, Any], free_cpu: float | None, free_memory: float | None,
              zones: dict[str, Any]) -> dict[str, Any]:
    """CloudStack's host fields for capacity: cpuallocated as a percentage string, memory in bytes."""
    cpu_total, memory_total = int(host["cpunumber"]) * int(host["cpuspeed"]), int(host["memory"])  # MHz, MB
    cpu_used = cpu_total - int(free_cpu if free_cpu is not None else cpu_total)
    memory_used = memory_total - int(free_memory if free_memory is not None else memory_total)
    return {"id": host["id"], "name": host.get("name"), "state": "Up", "type": "Routing",
            "zoneid": host.get("zoneid"), "zonename": zones.get(str(host.get("zoneid"))),
            **placement(host, zones),
            "hypervisor": host.get("hypervisor"), "cpunumber": int(host["cpunumber"]),
            "cpuspeed": int(host["cpuspeed"]), "cpuallocated": _percent(cpu_used, cpu_total),
            "cpuallocatedvalue": cpu_used, "memorytotal": memory_total * MB, "memoryallocated": memory_used * MB}


def _percent(used: int, total: int) -> str:
    return f"{100 * used / total:.2f}%" if total else "0%"


def placement(host: dict[str, Any], zones: dict[str, Any]) -> dict[str, Any]:
    """The pod and cluster a host is in."""
    zoneid = str(host.get("zoneid"))
    zone = zones.get(zoneid) or zoneid
    podid = str(host.get("podid") or zoneid)
    hypervisor = str(host.get("hypervisor") or "")
    return {"podid": podid, "podname": host.get("podname") or f"{zone} pod",
            "clusterid": str(host.get("clusterid") or f"{podid}-{hypervisor.lower()}"),
            "clustername": host.get("clustername") or f"{zone} {hypervisor} cluster"}


def list_pods(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    items = [{"id": p["podid"], "name": p["podname"], "zoneid": p["zoneid"], "zonename": p["zonename"],
              "allocationstate": "Enabled"} for p in _groups(req, "podid")]
    return _page(req, "pod", items)


def list_clusters(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    items = [{"id": c["clusterid"], "name": c["clustername"], "podid": c["podid"], "podname": c["podname"],
              "zoneid": c["zoneid"], "zonename": c["zonename"], "hypervisortype": c["hypervisor"],
              "clustertype": "CloudManaged", "allocationstate": "Enabled", "managedstate": "Managed"}
             for c in _groups(req, "clusterid")]
    for name, field in (("podid", "podid"), ("hypervisor", "hypervisortype")):
        if req.get(name):
            items = [c for c in items if str(c[field]).lower() == (req.get(name) or "").lower()]
    return _page(req, "cluster", items)


def _groups(req: ApiRequest, key: str) -> list[dict[str, Any]]:
    """One host per pod (or cluster), first by id, with its placement: what the group's item is made of."""
    zones = {z.id: z.as_dict().get("name") for z in statetable.list_kind("zone")}
    seen: dict[str, dict[str, Any]] = {}
    for row in statetable.list_kind("host"):
        host = row.as_dict()
        item = {"zoneid": str(host.get("zoneid")), "zonename": zones.get(str(host.get("zoneid"))),
                "hypervisor": host.get("hypervisor"), **placement(host, zones)}
        seen.setdefault(item[key], item)
    out = sorted(seen.values(), key=lambda g: (len(g[key]), g[key]))
    for name, field in (("id", key), ("zoneid", "zoneid")):
        if req.get(name):
            out = [g for g in out if g[field] == req.get(name)]
    if req.get("name"):
        label = "podname" if key == "podid" else "clustername"
        out = [g for g in out if g[label] == req.get("name")]
    return out


def _page(req: ApiRequest, kind: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    page = paging(req)
    return list_payload(kind, items[page.start:page.end()], len(items))
