"""Tags: createTags and deleteTags (async, as in CloudStack), listTags, the `tags` of VM and volume responses
and the `tags[n].key=…&tags[n].value=…` filters of list commands. A resource of another account is missing."""
from __future__ import annotations

from typing import Any, Sequence

from chalicelib.aws import directory, statetable
from chalicelib.aws.directory import can_see
from chalicelib.cloudstack.paging import paging
from chalicelib.cloudstack.request import ApiRequest, is_numeric_id
from chalicelib.cloudstack.wire import list_payload
from chalicelib.commands.auth import guard_of
from chalicelib.core import tags as tg
from chalicelib.core.accounts import Caller
from chalicelib.core.errors import ApiError, invalid_value
from chalicelib.runtime.submission import submit_job



def create_tags(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    return _submit(req, caller, request_id, require_pairs=True)


def delete_tags(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    return _submit(req, caller, request_id, require_pairs=False)


def _submit(req: ApiRequest, caller: Caller, request_id: str, require_pairs: bool) -> dict[str, Any]:
    """Resources and pairs checked now (each resource must be the caller's to see); the worker applies them."""
    rtype = _type(req, req.require("resourcetype"))
    ids = [i.strip() for i in req.require("resourceids").split(",") if i.strip()]
    if not ids or len(ids) > tg.MAX_RESOURCES or not all(is_numeric_id(i) for i in ids):
        raise invalid_value(req.command, "resourceids", req.require("resourceids"))
    pairs = tg.map_pairs(req.params, require_value=require_pairs)
    if pairs is None or len(pairs) > tg.MAX_TAGS or (require_pairs and not pairs):
        raise ApiError(431, f"Unable to execute API command {req.command.lower()} due to invalid value for "
                            f"parameter tags: 1 to {tg.MAX_TAGS} pairs of keys and values of at most "
                            f"{tg.MAX_TAG_TEXT} printable characters")
    rows = statetable.get_many([(tg.ROW_KIND[rtype], i) for i in ids])
    owners = []
    for i in ids:
        row = rows.get((tg.ROW_KIND[rtype], i))
        if row is None or not can_see(caller, row.as_dict()) or row.as_dict().get("state") in tg.GONE_STATES:
            raise invalid_value(req.command, "resourceids", i)
        owners.append({k: row.as_dict()[k] for k in ("accountid", "account", "domainid", "domain")})
    spec = {"resourcetype": rtype, "resourceids": ids, "pairs": [list(p) for p in pairs], "owners": owners}
    command = "createTags" if require_pairs else "deleteTags"
    jobid = submit_job(command, caller.actor(request_id), "Tag", ",".join(ids)[:200], req.params,
                       extra={"tagspec": spec}, effects=guard_of(caller))
    return {"jobid": jobid}


def list_tags(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:

    page = paging(req)
    rtype = _type(req, req.get("resourcetype")) if req.get("resourcetype") else None
    scope, hidden = directory.list_scope(caller, req.boolean("listall", False))
    rows = statetable.list_rows("tags", scope, statetable.Filter(hide_owners=hidden))
    items = [t for r in rows for t in tg.views(r.as_dict())]
    wanted = {"resourcetype": rtype, "resourceid": req.get("resourceid"), "key": req.get("key"),
              "value": req.get("value")}
    items = [t for t in items if all(v is None or t[k] == v for k, v in wanted.items())]
    return list_payload("tag", items[page.start:page.end()], len(items))


def tags_of(rtype: str, ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Each resource's tags (one BatchGetItem per hundred resources); untagged resources are absent."""
    rows = statetable.get_many([("tags", tg.row_id(rtype, i)) for i in ids])
    return {row.as_dict()["resourceid"]: tg.views(row.as_dict()) for row in rows.values()}


def matching(req: ApiRequest, rtype: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`items` whose tags hold every `tags[n].key/value` pair the request names (all when it names none)."""
    wanted = tg.map_pairs(req.params, require_value=False)
    if wanted is None:
        raise ApiError(431, f"Unable to execute API command {req.command.lower()} due to invalid value for "
                            "parameter tags")
    if not wanted:
        return items
    rows = statetable.get_many([("tags", tg.row_id(rtype, str(i["id"]))) for i in items])
    return [i for i in items if tg.matches((r.as_dict() if (r := rows.get(("tags", tg.row_id(rtype, str(i["id"])))))
                                            else None), wanted)]


def _type(req: ApiRequest, text: str | None) -> str:
    rtype = tg.resource_type(text or "")
    if rtype is None:
        raise invalid_value(req.command, "resourcetype", text or "")
    return rtype
