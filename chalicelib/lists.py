"""Sync list commands: inventory lists, listVirtualMachines and listAsyncJobs, paged as CloudStack pages.

Account-scoped lists read a listing index one page at a time; `count` is a Select=COUNT query.
"""
from __future__ import annotations

from itertools import islice
from typing import Any, Callable, Iterable

from chalicelib import directory, state
from chalicelib.accounts import DOMAIN_ADMIN, ROOT_ADMIN, Caller
from chalicelib.errors import ApiError, invalid_value
from chalicelib.fold import job_from_row
from chalicelib.listing import TEMPLATE_FILTERS, Page, matches_keyword, paging, shape
from chalicelib.models import StateRecord
from chalicelib.rows import sort_key
from chalicelib.request import ApiRequest, is_numeric_id
from chalicelib.vm import STATES, public_view
from chalicelib.wire import cloudstack_date, job_result_payload, list_payload

Handler = Callable[[ApiRequest, Caller, str], dict[str, Any]]
GONE = ("Destroyed", "Expunging")


def inventory_list(kind: str, *, zone_scoped: bool = False) -> Handler:
    """listZones, listServiceOfferings, listDiskOfferings: the configured items, filtered by id/name/keyword."""

    def handle(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
        page = paging(req)
        items = _inventory(kind)
        items = [i for i in items if _inventory_match(req, i, zone_scoped)]
        return _page_of(kind, [shape(kind, i, i.get("created")) for i in items], page)

    return handle


def list_templates(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    page = paging(req)
    flt = req.require("templatefilter")
    if flt not in TEMPLATE_FILTERS:
        raise invalid_value(req.command, "templatefilter", flt)
    if flt == "all" and caller.accounttype != ROOT_ADMIN:
        raise ApiError(431, "Filter all can be specified by admin only", 4350)
    # Every configured template is public and owned by the system account: none is the caller's "self".
    items = [] if flt in ("self", "selfexecutable", "shared", "sharedexecutable") else _inventory("template")
    zones = {z["id"]: z["name"] for z in _inventory("zone")}
    items = [dict(i, zonename=zones.get(i.get("zoneid", ""))) for i in items if _inventory_match(req, i, True)]
    return _page_of("template", [shape("template", i, i.get("created")) for i in items], page)


def list_virtual_machines(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    page = paging(req)
    wanted_state = req.get("state")
    if wanted_state and wanted_state not in STATES and wanted_state.lower() != "present":
        raise invalid_value(req.command, "state", wanted_state)
    vmid = req.get("id")
    if vmid is not None and not is_numeric_id(vmid):
        raise invalid_value(req.command, "id", vmid)
    index, key, hidden = _scope(req, caller)
    which = StateRecord.sort == sort_key("vm", vmid) if vmid else StateRecord.sort.startswith("vm#")
    condition = _both(_vm_condition(req, caller), hidden)
    rows = _page_rows(index.query(key, which, filter_condition=condition, page_size=_read_size(page)), page)
    count = _count(page, rows, lambda: index.count(key, which, filter_condition=condition))
    return list_payload("virtualmachine", [_vm_item(r) for r in rows], count)


def list_async_jobs(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    page = paging(req)
    index, key, condition = _scope(req, caller)
    if req.get("startdate"):
        condition = _both(condition, StateRecord.created >= _iso(req, "startdate"))
    if req.get("keyword"):
        condition = _both(condition, StateRecord.search.contains((req.get("keyword") or "").lower()))
    rows = _page_rows(index.query(key, StateRecord.sort.startswith("job#"), filter_condition=condition,
                                  scan_index_forward=False, page_size=_read_size(page)), page)
    count = _count(page, rows, lambda: index.count(key, StateRecord.sort.startswith("job#"),
                                                   filter_condition=condition))
    items = [job_result_payload(job_from_row(r.as_dict()), req.fmt) for r in rows]
    return list_payload("asyncjobs", items, count)


def empty_list(item: str) -> Handler:
    """Lists of things jobledger does not manage (public IPs, forwarding rules): valid and empty."""

    def handle(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
        paging(req)
        return list_payload(item, [], 0)

    return handle


def _scope(req: ApiRequest, caller: Caller) -> tuple[Any, str, Any]:
    """Index, key and the condition that hides what the caller may not see: the caller's own account;
    `listall=true` widens it to the domain (domain admin: less what root admins own there) or everything (root)."""
    listall = req.boolean("listall", False)
    if listall and caller.accounttype == ROOT_ADMIN:
        return StateRecord.by_kind, "vm" if req.command.lower() == "listvirtualmachines" else "job", None
    if listall and caller.accounttype == DOMAIN_ADMIN:
        roots = [a for a in directory.root_admin_accounts(caller.domainid) if a != caller.accountid]
        return StateRecord.by_domain, caller.domainid, ~StateRecord.owner.is_in(*roots) if roots else None
    return StateRecord.by_owner, caller.accountid, None


def _both(first: Any, second: Any) -> Any:
    return second if first is None else first if second is None else first & second


def _vm_condition(req: ApiRequest, caller: Caller) -> Any:
    parts: list[Any] = []
    wanted_state = req.get("state")
    if wanted_state and wanted_state.lower() != "present":
        parts.append(StateRecord.vmstate == wanted_state)
    elif wanted_state or caller.accounttype not in (ROOT_ADMIN, DOMAIN_ADMIN):
        parts.append(~StateRecord.vmstate.is_in(*GONE))  # users do not see destroyed VMs
    if req.get("zoneid"):
        parts.append(StateRecord.zoneid == req.get("zoneid"))
    for name in ("name", "keyword"):
        if req.get(name):
            parts.append(StateRecord.search.contains((req.get(name) or "").lower()))
    condition = None
    for part in parts:
        condition = part if condition is None else condition & part
    return condition


def _vm_item(row: StateRecord) -> dict[str, Any]:
    item = public_view(row.as_dict(), cloudstack_date)
    if row.pending:  # a job is at work on it
        item.update(jobid=str(min(row.pending)), jobstatus=0)
    return item


def _inventory(kind: str) -> list[dict[str, Any]]:
    rows = state.list_kind(kind)
    return [r.as_dict() for r in sorted(rows, key=lambda r: (len(r.id), r.id))]


def _inventory_match(req: ApiRequest, item: dict[str, Any], zone_scoped: bool) -> bool:
    if req.get("id") and str(item["id"]) != req.get("id"):
        return False
    if req.get("name") and item.get("name") != req.get("name"):
        return False
    if zone_scoped and req.get("zoneid") and item.get("zoneid", req.get("zoneid")) not in (req.get("zoneid"), "-1"):
        return False
    return matches_keyword(item, req.get("keyword"))


def _page_of(item: str, items: list[dict[str, Any]], page: Page) -> dict[str, Any]:
    return list_payload(item, items[page.start:page.end()], len(items))


def _count(page: Page, rows: list[StateRecord], count_all: Callable[[], int]) -> int:
    """`count` is the total: when the first page holds every match it is known; otherwise a Select=COUNT query."""
    if page.start == 0 and (page.size is None or len(rows) < page.size):
        return len(rows)
    return int(count_all())


def _page_rows(rows: Iterable[StateRecord], page: Page) -> list[StateRecord]:
    return list(islice(rows, page.start, page.end()))


def _read_size(page: Page) -> int:
    """DynamoDB page size: enough for the slice asked for, no more (capped at 1,000 per request)."""
    end = page.end()
    return 1000 if end is None else max(1, min(end, 1000))


def _iso(req: ApiRequest, name: str) -> str:
    """CloudStack dates (`2026-11-27 10:00:00`, `2026-11-27T10:00:00+0000`) as our stored ISO UTC form."""
    from datetime import datetime, timezone

    value = req.get(name) or ""
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d"):
        try:
            moment = datetime.strptime(value, fmt)
        except ValueError:
            continue
        moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    raise invalid_value(req.command, name, value)
