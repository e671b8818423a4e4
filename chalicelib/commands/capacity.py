"""listHosts (root admin only): each host's CPU and memory, allocated and total, with CloudStack's field names.
Used = total - free, as the state table's host rows keep `free` (reserved and released with each VM)."""
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
            "hypervisor": host.get("hypervisor"), "cpunumber": int(host["cpunumber"]),
            "cpuspeed": int(host["cpuspeed"]), "cpuallocated": _percent(cpu_used, cpu_total),
            "cpuallocatedvalue": cpu_used, "memorytotal": memory_total * MB, "memoryallocated": memory_used * MB}


def _percent(used: int, total: int) -> str:
    return f"{100 * used / total:.2f}%" if total else "0%"
