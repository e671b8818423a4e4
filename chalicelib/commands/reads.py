"""Sync read commands: queryAsyncJobResult (a job's stream, folded), and the lists (inventory,
listVirtualMachines, listAsyncJobs) paged as CloudStack pages them.

Account-scoped lists read a listing index one page at a time; `count` is a Select=COUNT query.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

from chalicelib.aws import directory, eventlog, statetable
from chalicelib.cloudstack.paging import TEMPLATE_FILTERS, Page, matches_keyword, paging, shape
from chalicelib.cloudstack.request import ApiRequest, is_numeric_id
from chalicelib.core.dates import cloudstack_date
from chalicelib.cloudstack.wire import job_result_payload, list_payload
from chalicelib.commands import tags
from chalicelib.core.accounts import DOMAIN_ADMIN, ROOT_ADMIN, Caller
from chalicelib.core.errors import ApiError, invalid_value
from chalicelib.core.events import job_stream
from chalicelib.core.fold import fold, job_from_row
from chalicelib.core.vm import STATES, public_view

Handler = Callable[[ApiRequest, Caller, str], dict[str, Any]]


def query_async_job_result(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    """One strongly consistent Query of the job's stream, folded; a foreign job reads as a missing one."""
    jobid = req.require("jobid")
    events = eventlog.load_stream(job_stream(jobid)) if is_numeric_id(jobid) else []
    job = fold(jobid, events) if events else None
    if job is None or not directory.can_see(caller, {"accountid": job.accountid, "domainid": job.domainid}):
        raise invalid_value(req.command, "jobid", jobid)
    return job_result_payload(job, req.fmt)


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
    scope, hidden = scope_of(req, caller)
    match = replace(_vm_filter(req, caller), id=vmid, hide_owners=hidden)
    if any(name.startswith("tags[") for name in req.params):  # filtered by tags: the matches, then the page
        every = statetable.list_rows("vm", scope, match)
        kept = {str(v["id"]) for v in tags.matching(req, "UserVm", [r.as_dict() for r in every])}
        matched = [r for r in every if r.id in kept]
        return list_payload("virtualmachine", _vm_items(matched[page.start:page.end()]), len(matched))
    rows = statetable.list_rows("vm", scope, match, start=page.start, end=page.end())
    count = _count(page, rows, lambda: statetable.count_rows("vm", scope, match))
    return list_payload("virtualmachine", _vm_items(rows), count)


def list_async_jobs(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    page = paging(req)
    scope, hidden = scope_of(req, caller)
    match = statetable.Filter(created_from=req.date("startdate"),
                         search=_words(req, "keyword"), hide_owners=hidden)
    rows = statetable.list_rows("job", scope, match, start=page.start, end=page.end(), newest_first=True)
    count = _count(page, rows, lambda: statetable.count_rows("job", scope, match))
    items = [job_result_payload(job_from_row(r.as_dict()), req.fmt) for r in rows]
    return list_payload("asyncjobs", items, count)


def empty_list(item: str) -> Handler:
    """Lists of things jobledger does not manage (public IPs, forwarding rules): valid and empty."""

    def handle(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
        paging(req)
        return list_payload(item, [], 0)

    return handle


def scope_of(req: ApiRequest, caller: Caller) -> tuple[statetable.Scope, tuple[str, ...]]:
    """Where a list reads and whose rows it hides (`listall` as CloudStack reads it)."""
    return directory.list_scope(caller, req.boolean("listall", False))


def _vm_filter(req: ApiRequest, caller: Caller) -> statetable.Filter:
    wanted_state = req.get("state")
    present = wanted_state is not None and wanted_state.lower() == "present"
    # users never see destroyed VMs; admins do unless they ask for `present` ones
    hide = statetable.GONE if present or (not wanted_state and caller.accounttype not in (ROOT_ADMIN, DOMAIN_ADMIN)) \
        else ()
    return statetable.Filter(state=wanted_state if wanted_state and not present else None, hide_states=hide,
                        zoneid=req.get("zoneid") or None, search=_words(req, "name") + _words(req, "keyword"))


def _words(req: ApiRequest, name: str) -> tuple[str, ...]:
    value = req.get(name)
    return ((value or "").lower(),) if value else ()


def _vm_items(rows: list[Any]) -> list[dict[str, Any]]:
    tagged = tags.tags_of("UserVm", [r.id for r in rows])
    return [_vm_item(r, tagged.get(r.id)) for r in rows]


def _vm_item(row: Any, tagged: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    item = public_view(dict(row.as_dict(), tags=tagged) if tagged else row.as_dict(), cloudstack_date)
    if row.pending:  # a job is at work on it
        item.update(jobid=str(min(row.pending)), jobstatus=0)
    return item


def _inventory(kind: str) -> list[dict[str, Any]]:
    rows = statetable.list_kind(kind)
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


def _count(page: Page, rows: list[Any], count_all: Callable[[], int]) -> int:
    """`count` is the total: when the first page holds every match it is known; otherwise a Select=COUNT query."""
    if page.start == 0 and (page.size is None or len(rows) < page.size):
        return len(rows)
    return int(count_all())
