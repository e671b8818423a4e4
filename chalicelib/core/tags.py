"""Resource tags: one row per tagged resource (`tags`, `<type>#<id>`) holding its key/value pairs, versioned;
the rules of createTags, deleteTags and the `tags[n].key` filters. Pure."""
from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

from chalicelib.core import effects as fx
from chalicelib.core.rows import sort_key

RESOURCE_TYPES = {"uservm": "UserVm", "volume": "Volume"}
MAX_TAG_TEXT = 255
MAX_TAGS, MAX_RESOURCES = 10, 20
TAG_FIELDS = ("key", "value", "resourcetype", "resourceid", "account", "domainid", "domain")
_MAP_ENTRY = re.compile(r"tags\[(\d{1,2})\]\.(key|value)")
Pair = tuple[str, str]
ROW_KIND = {"UserVm": "vm", "Volume": "volume"}  # the state rows of the resources tags are put on
GONE_STATES = ("Expunging", "Expunged")  # an expunged VM, an expunged volume: their tags went with them


def resource_type(text: str) -> str | None:
    """CloudStack's resource type name (`UserVm`, `Volume`), any letter case; None for any other."""
    return RESOURCE_TYPES.get(text.lower())


def row_id(resourcetype: str, resourceid: str) -> str:
    return f"{resourcetype}#{resourceid}"


def map_pairs(params: Mapping[str, str], require_value: bool) -> list[Pair] | None:
    """`tags[n].key` / `tags[n].value` as (key, value) in index order; None when a pair is malformed."""
    entries: dict[int, dict[str, str]] = {}
    for name, value in params.items():
        found = _MAP_ENTRY.fullmatch(name)
        if found:
            entries.setdefault(int(found.group(1)), {})[found.group(2)] = value
    pairs = []
    for _, entry in sorted(entries.items()):
        key, given = entry.get("key") or "", entry.get("value")
        if not key or (require_value and given is None) or not _fits(key) or not _fits(given or ""):
            return None
        pairs.append((key, given or ""))
    return pairs


def _fits(text: str) -> bool:
    return len(text) <= MAX_TAG_TEXT and text.isprintable()


def tag_row(resourcetype: str, resourceid: str, owner: Mapping[str, Any], pairs: Sequence[Pair],
            old: Mapping[str, Any] | None) -> dict[str, Any]:
    return {"id": row_id(resourcetype, resourceid), "resourcetype": resourcetype, "resourceid": resourceid,
            "accountid": owner["accountid"], "account": owner["account"], "domainid": owner["domainid"],
            "domain": owner["domain"], "tags": [{"key": k, "value": v} for k, v in pairs],
            "version": int((old or {}).get("version", 0)) + 1}


def added(old: Mapping[str, Any] | None, pairs: Sequence[Pair]) -> tuple[list[Pair] | None, str | None]:
    """The resource's pairs after createTags, or why not (a key it has already)."""
    current = [(t["key"], t["value"]) for t in (old or {}).get("tags", [])]
    keys = {k for k, _ in current}
    for key, _ in pairs:
        if key in keys:
            return None, f"tag key {key[:32]} already exists on the resource"
        keys.add(key)
    return [*current, *pairs], None


def removed(old: Mapping[str, Any] | None, pairs: Sequence[Pair]) -> list[Pair]:
    """The resource's pairs after deleteTags: every pair when none is named; a named key with an empty value
    goes whatever its value, with a value only when it matches."""
    current = [(t["key"], t["value"]) for t in (old or {}).get("tags", [])]
    if not pairs:
        return []
    return [(k, v) for k, v in current if not any(k == dk and (not dv or v == dv) for dk, dv in pairs)]


def tag_effects(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[fx.Effect]:
    """The write taking a tag row from `old` to `new`: the row goes when no pair is left."""
    if not new["tags"]:
        return [fx.DropVersioned("tags", new["id"], int(old["version"]))] if old else []
    listed = {"sort": sort_key("tags", new["id"]), "owner": new["accountid"], "domainid": new["domainid"]}
    return [fx.PutVersioned("tags", new["id"], dict(new), listed)]


def views(row: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A tag row's pairs as CloudStack's ResourceTagResponse items."""
    base = {k: row[k] for k in ("resourcetype", "resourceid", "account", "domainid", "domain")}
    return [{name: {**base, **t}[name] for name in TAG_FIELDS} for t in row.get("tags", [])]


def matches(row: Mapping[str, Any] | None, wanted: Sequence[Pair]) -> bool:
    """Whether a resource's tags hold every wanted pair (the `tags[n]` filter of list commands)."""
    have = {(t["key"], t["value"]) for t in (row or {}).get("tags", [])}
    return all((k, v) in have for k, v in wanted)


def emptied(old: Mapping[str, Any]) -> tuple[dict[str, Any], list[fx.Effect]]:
    """An expunged resource's tag row: no pair left (the row goes), and its write. The emptied row rides in the
    event that expunged the resource, as a tag job's rows do, so the audit replays it."""
    gone = tag_row(str(old["resourcetype"]), str(old["resourceid"]), old, [], old)
    return gone, tag_effects(old, gone)
