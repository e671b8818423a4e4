"""The CloudStack wire format: the one module that knows how responses look in XML and JSON. Pure."""
from __future__ import annotations

import json
import re
from typing import Any, Mapping, Sequence

from lxml import etree

from chalicelib.core.dates import cloudstack_date
from chalicelib.core.fold import FAILED, PENDING, JobState

XML_CONTENT_TYPE = "text/xml; charset=UTF-8"
JSON_CONTENT_TYPE = "application/json; charset=UTF-8"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'

# Characters XML 1.0 cannot carry; they are dropped before text reaches lxml.
_XML_INVALID = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# A payload is an ordered mapping of field -> scalar | mapping | list of mappings/scalars.
Payload = Mapping[str, Any]


class Rendered:
    """A response body with its content type; the HTTP status is the caller's."""

    def __init__(self, body: str, content_type: str) -> None:
        self.body = body
        self.content_type = content_type


def root_name(command: str) -> str:
    return command.lower() + "response"


def render(root: str, payload: Payload, fmt: str, version: str) -> Rendered:
    if fmt == "json":
        return Rendered(_to_json({root: _prune(payload)}), JSON_CONTENT_TYPE)
    element = etree.Element(root, {"cloud-stack-version": version})
    _fill(element, payload)
    return Rendered(XML_DECLARATION + etree.tostring(element, encoding="unicode"), XML_CONTENT_TYPE)


def render_error(root: str, code: int, text: str, cserrorcode: int | None, fmt: str, version: str) -> Rendered:
    """CloudStack's error body; a 401 carries no cserrorcode (None is omitted)."""
    payload: dict[str, Any] = {"uuidList": [], "errorcode": code, "cserrorcode": cserrorcode, "errortext": text}
    return render(root, payload, fmt, version)


def job_result_payload(job: JobState, fmt: str) -> dict[str, Any]:
    """queryAsyncJobResult's fields in the documented order; finished jobs add the result fields."""
    out: dict[str, Any] = {"jobid": job.jobid, "jobstatus": job.status, "jobprocstatus": job.procstatus}
    if job.status != PENDING:
        out["jobresultcode"] = job.resultcode
        out.update(_result_fields(job, fmt))
    out["cmd"] = job.cmd
    out["created"] = cloudstack_date(job.created)
    if job.completed:
        out["completed"] = cloudstack_date(job.completed)
    if job.instancetype:
        out["jobinstancetype"] = job.instancetype
        out["jobinstanceid"] = job.instanceid
    out["accountid"] = job.accountid
    out["userid"] = job.userid
    return out


def _result_fields(job: JobState, fmt: str) -> dict[str, Any]:
    if job.status == FAILED:
        if fmt == "json":  # libcloud and CloudMonkey crash on a string here; CloudStack 3.0+ sends an object
            return {"jobresulttype": "object",
                    "jobresult": {"errorcode": job.resultcode, "errortext": job.errortext}}
        return {"jobresulttype": "text", "jobresult": job.errortext}
    return {"jobresulttype": "object", "jobresult": dict(job.jobresult or {})}


def _prune(value: Any) -> Any:
    """Drop None fields (CloudStack omits nulls in JSON)."""
    if isinstance(value, Mapping):
        return {k: _prune(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def _to_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _fill(parent: etree._Element, payload: Payload) -> None:
    for name, value in payload.items():
        if value is None:
            continue
        if isinstance(value, list):
            for item in value:  # a list is repeated elements of the same name; empty lists vanish
                _append(parent, name, item)
        else:
            _append(parent, name, value)


def _append(parent: etree._Element, name: str, value: Any) -> None:
    child = etree.SubElement(parent, name)
    if isinstance(value, Mapping):
        _fill(child, value)
    else:
        child.text = xml_text(value)


def xml_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_INVALID.sub("", str(value))


def list_payload(item_name: str, items: Sequence[Payload], count: int) -> dict[str, Any]:
    """CloudStack's list shape: `count` then the items; nothing at all when nothing matches."""
    if not count:
        return {}
    return {"count": count, item_name: list(items)} if items else {"count": count}
