"""What state rows carry besides their data: the attributes the listing and sweeper indexes and the list
filters read. One definition for the store that writes them and the audit that rebuilds them. Pure."""
from __future__ import annotations

from typing import Any, Mapping

Row = dict[str, Any]


def sort_key(kind: str, id_: str) -> str:
    """Numeric ids sort as numbers in the listing indexes."""
    return f"{kind}#{int(id_):012d}" if id_.isascii() and id_.isdigit() and len(id_) <= 12 else f"{kind}#{id_}"


def vm_search_text(vm: Mapping[str, Any]) -> str:
    """What `keyword` and `name` filters look in: the names, lowercased."""
    return f"{vm['name']} {vm.get('displayname', '')}".lower()


def vm_attributes(vm: Mapping[str, Any]) -> Row:
    """A VM row's attributes besides its queue of pending jobs."""
    return {"data": dict(vm), "sort": sort_key("vm", str(vm["id"])), "owner": vm["accountid"],
            "domainid": vm["domainid"], "vmstate": vm["state"], "zoneid": vm["zoneid"], "search": vm_search_text(vm)}


def job_attributes(job: Mapping[str, Any]) -> Row:
    """A job's summary row; `unfinished` (the sweeper's sparse index) only while it is pending."""
    jobid = str(job["jobid"])
    row: Row = {"data": dict(job), "sort": sort_key("job", jobid), "owner": job["accountid"],
                "created": job["created"], "search": f"{job['command']} {job['cmd']}".lower()}
    if job.get("domainid"):
        row["domainid"] = job["domainid"]
    if not job["status"]:
        row["unfinished"] = "pending"
    return row


def listed(kind: str, id_: str, domainid: str, owner: str | None = None) -> dict[str, str]:
    """The listing attributes of a tenant row (domain, account, user)."""
    out = {"sort": sort_key(kind, id_), "domainid": domainid}
    if owner:
        out["owner"] = owner
    return out


def key_listed(user_state: str) -> dict[str, str]:
    """An API key row's `keystate` attribute, which every signed write's RequireKey condition reads."""
    return {"keystate": "enabled" if user_state == "enabled" else "disabled"}
