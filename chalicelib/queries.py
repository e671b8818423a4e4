"""Sync read commands: fold what the log says and shape it for the wire."""
from __future__ import annotations

from typing import Any

from chalicelib import store
from chalicelib.accounts import Caller
from chalicelib.errors import invalid_value
from chalicelib.events import job_stream
from chalicelib.fold import fold
from chalicelib.request import ApiRequest, is_numeric_id
from chalicelib.directory import can_see
from chalicelib.wire import job_result_payload


def query_async_job_result(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    """One strongly consistent Query of the job's stream, folded; a foreign job reads as a missing one."""
    jobid = req.require("jobid")
    events = store.load_stream(job_stream(jobid)) if is_numeric_id(jobid) else []
    job = fold(jobid, events) if events else None
    if job is None or not can_see(caller, {"accountid": job.accountid, "domainid": job.domainid}):
        raise invalid_value(req.command, "jobid", jobid)
    return job_result_payload(job, req.fmt)
