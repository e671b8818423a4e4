"""CloudStack's list rules: paging parameters, filters and the item shapes of inventory lists. Pure."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from chalicelib.cloudstack.request import ApiRequest
from chalicelib.core.dates import cloudstack_date
from chalicelib.core.errors import CS_INVALID_PARAMETER_VALUE, ApiError

MAX_PAGE_SIZE = 500  # CloudStack's default.page.size

FIELDS = {
    "zone": ("id", "name", "description", "dns1", "dns2", "internaldns1", "internaldns2", "networktype",
             "securitygroupsenabled", "allocationstate", "dhcpprovider", "localstorageenabled"),
    "serviceoffering": ("id", "name", "displaytext", "cpunumber", "cpuspeed", "memory", "created", "storagetype",
                        "offerha", "limitcpuuse", "issystem", "defaultuse"),
    "diskoffering": ("id", "name", "displaytext", "disksize", "created", "iscustomized", "storagetype"),
    "template": ("id", "name", "displaytext", "ispublic", "created", "isready", "passwordenabled", "format",
                 "isfeatured", "crossZones", "ostypeid", "ostypename", "account", "zoneid", "zonename", "status",
                 "size", "templatetype", "hypervisor", "domain", "domainid", "isextractable"),
}
DEFAULTS: dict[str, dict[str, Any]] = {
    "zone": {"securitygroupsenabled": False, "allocationstate": "Enabled", "dhcpprovider": "VirtualRouter",
             "localstorageenabled": False},
    "serviceoffering": {"limitcpuuse": False, "issystem": False, "defaultuse": False},
    "diskoffering": {"iscustomized": False},
    "template": {"ispublic": True, "isready": True, "crossZones": False, "account": "system",
                 "status": "Download Complete", "templatetype": "USER", "domain": "ROOT", "domainid": "1",
                 "isextractable": False},
}
TEMPLATE_FILTERS = ("featured", "self", "selfexecutable", "shared", "sharedexecutable", "executable",
                    "community", "system", "all")


@dataclass(frozen=True)
class Page:
    """Which slice of the matching items to answer; `size` None means all (pagesize=-1)."""

    start: int
    size: int | None

    def end(self) -> int | None:
        return None if self.size is None else self.start + self.size


def paging(req: ApiRequest) -> Page:
    """CloudStack's BaseListCmd rules for `page` and `pagesize`."""
    page, size = req.integer("page"), req.integer("pagesize")
    if size is not None and page is None and size != -1:
        raise ApiError(431, '"page" parameter is required when "pagesize" is specified')
    if page is not None and size is None:
        raise ApiError(431, '"pagesize" parameter is required when "page" is specified')
    if size == -1:
        if page is not None:
            raise ApiError(431, "Can't specify page parameter when pagesize is -1 (Unlimited)",
                           CS_INVALID_PARAMETER_VALUE)
        return Page(0, None)
    if size is not None and size > MAX_PAGE_SIZE:
        raise ApiError(431, f"Page size can't exceed max allowed page size value: {MAX_PAGE_SIZE}",
                       CS_INVALID_PARAMETER_VALUE)
    if size is not None and size < 0:
        raise ApiError(431, f"Unable to execute API command {req.command.lower()} due to invalid value {size} "
                            "for parameter pagesize", CS_INVALID_PARAMETER_VALUE)
    size = MAX_PAGE_SIZE if size is None else size
    return Page(max((page or 1) - 1, 0) * size, size)


def shape(kind: str, item: Mapping[str, Any], created: str | None = None) -> dict[str, Any]:
    """An inventory item in its response's field order, with CloudStack's defaults for what is not configured."""
    merged = {**DEFAULTS.get(kind, {}), **item}
    if created and "created" in FIELDS[kind]:
        merged["created"] = cloudstack_date(created)  # CloudStack's form, which strict clients parse (Go SDK)
    return {name: merged[name] for name in FIELDS[kind] if merged.get(name) is not None}


def matches_keyword(item: Mapping[str, Any], keyword: str | None,
                    fields: tuple[str, ...] = ("name", "displaytext")) -> bool:
    if not keyword:
        return True
    needle = keyword.lower()
    return any(needle in str(item.get(f, "")).lower() for f in fields)
