"""listJobEvents (a jobledger extension): a job's event stream exactly as stored, so a reader (the console)
can recompute every hash link itself. Tenancy-checked as queryAsyncJobResult: a foreign job is a missing one.
"""
from __future__ import annotations

import json
from typing import Any, Sequence

from chalicelib.aws import directory, eventlog
from chalicelib.cloudstack.request import ApiRequest, is_numeric_id
from chalicelib.cloudstack.wire import list_payload
from chalicelib.core.accounts import Caller
from chalicelib.core.errors import invalid_value
from chalicelib.core.events import JOB_SUBMITTED, Event, job_stream, upcast

# The fields content_hash covers, plus the hash itself, in this order.
EVENT_FIELDS = ("stream", "seq", "type", "schema", "at", "actor", "data", "hash")


def list_job_events(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    """One strongly consistent Query of the job's stream; the events as stored (not upcast), oldest first."""
    jobid = req.require("jobid")
    events = eventlog.load_stream_as_stored(job_stream(jobid)) if is_numeric_id(jobid) else []
    if not events or not _visible(caller, jobid, events):
        raise invalid_value(req.command, "jobid", jobid)
    return timeline_payload(events, req.fmt)


def _visible(caller: Caller, jobid: str, events: Sequence[Event]) -> bool:
    """The owner comes from the submission alone (as the fold reads it), so a later event, even an altered one,
    cannot hide the stream from the page that must show the alteration."""
    first = events[0]
    if first.type != JOB_SUBMITTED:
        return False
    data = upcast(first.type, first.schema, dict(first.data))
    return directory.can_see(caller, {"accountid": data.get("accountid"), "domainid": data.get("domainid", "")})


def timeline_payload(events: Sequence[Event], fmt: str) -> dict[str, Any]:
    """CloudStack's list shape: `count`, then one `event` per stored event. JSON carries `actor` and `data` as
    objects; XML carries them as JSON text (element names cannot hold every stored key, e.g. `tags[0].key`)."""
    return list_payload("event", [event_item(e, fmt) for e in events], len(events))


def event_item(e: Event, fmt: str) -> dict[str, Any]:
    item: dict[str, Any] = {"stream": e.stream, "seq": e.seq, "type": e.type, "schema": e.schema, "at": e.at,
                            "actor": dict(e.actor), "data": dict(e.data), "hash": e.hash}
    if fmt != "json":
        item["actor"], item["data"] = _json_text(e.actor), _json_text(e.data)
    return item


def _json_text(value: Any) -> str:
    """The canonical form content_hash serializes with."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
