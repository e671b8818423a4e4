"""Commands CloudStack answers synchronously but jobledger records as jobs (updateVirtualMachine,
changeServiceForVirtualMachine, recoverVirtualMachine): the API runs the job itself, in the request, and answers
its result, so the change is still an event in the VM's turn that the audit replays.

The job is recorded as any other but not sent: it runs here at once. If an earlier job holds the VM's turn, that
job sends this one when it ends (as for every queued VM job) and the request waits for it to end, at most
`SYNC_WAIT_SECONDS` (well inside API Gateway's 29 s). A job still queued then is not lost: it ends in the VM's
turn and `queryAsyncJobResult` shows it; if this run fails, its message goes to the workers (and if the
Lambda dies, the sweeper sends it). Should a worker get the job
at the same moment, the job stream decides who starts it (the loser steps aside).
"""
from __future__ import annotations

import logging
import time
from typing import Any, Callable

from chalicelib.aws import eventlog
from chalicelib.core.errors import ApiError
from chalicelib.core.events import job_stream
from chalicelib.core.fold import SUCCEEDED, JobState, fold
from chalicelib.runtime import worker
from chalicelib.runtime.submission import enqueue

log = logging.getLogger(__name__)

SYNC_WAIT_SECONDS = 10.0
FIRST_POLL, LONGEST_POLL = 0.02, 0.25


def run_now(jobid: str, request_id: str, *, wait: float | None = None,
            sleep: Callable[[float], None] | None = None, clock: Callable[[], float] | None = None) -> JobState:
    """Run a submitted job in this request and answer its end state; ApiError 530 if it has not ended within
    `wait` seconds (it stays queued and ends in its turn)."""
    sleep, clock = sleep or time.sleep, clock or time.monotonic
    try:
        worker.run_job(jobid, 1, {"worker": "api", "request": request_id}, provision=False)
    except Exception:  # noqa: BLE001 - a worker finishes what this run could not: send it its message
        log.exception("job %s: the inline run failed; sending it to the workers", jobid)
        enqueue(jobid)
    deadline, pause = clock() + (SYNC_WAIT_SECONDS if wait is None else wait), FIRST_POLL
    while True:
        job = fold(jobid, eventlog.load_stream(job_stream(jobid)))
        if job.finished:
            return job
        if clock() >= deadline:
            doing = ("is still running" if job.attempts else
                     "is still waiting for the virtual machine's earlier jobs; it will run in its turn")
            raise ApiError(530, f"Job {jobid} {doing}: follow it with queryAsyncJobResult")
        sleep(pause)
        pause = min(pause * 1.5, LONGEST_POLL)


def result_or_error(job: JobState) -> dict[str, Any]:
    """A sync command's answer: the job's result, or its failure as the command's error response."""
    if job.status == SUCCEEDED:
        return dict(job.jobresult or {})
    result = job.jobresult or {}
    raise ApiError(int(job.resultcode or 530), str(job.errortext or result.get("errortext") or "internal error"))
