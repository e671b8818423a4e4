"""The worker: turns SQS records into job executions and reports partial batch failures."""
from __future__ import annotations

import logging
import socket
import time
from typing import Any, Mapping, Sequence

from chalicelib import settings
from chalicelib.aws import eventlog, statetable
from chalicelib.aws.queue import JobMessage
from chalicelib.core import jobs
from chalicelib.core.errors import ConcurrencyConflict
from chalicelib.core.events import job_stream
from chalicelib.core.fold import fold
from chalicelib.runtime import resource_jobs, tenant_jobs, vm_changes, vm_jobs

log = logging.getLogger(__name__)


class BatchFailed(Exception):
    """Every record of the batch failed: raising makes Lambda retry the whole batch."""


def handle_batch(records: Sequence[Mapping[str, Any]]) -> dict[str, list[dict[str, str]]]:
    """Process each record; answer `batchItemFailures` naming exactly the records that failed."""
    failures = []
    for record in records:
        try:
            process_record(record)
        except Exception:  # one bad record must not fail its neighbours: it is retried alone
            log.exception("record %s failed", record.get("messageId"))
            if not _give_up(record):
                failures.append({"itemIdentifier": str(record["messageId"])})
    if records and len(failures) == len(records):
        raise BatchFailed(f"all {len(records)} records failed")
    return {"batchItemFailures": failures}


def _give_up(record: Mapping[str, Any]) -> bool:
    """On the last allowed attempt, a job that keeps failing ends JobFailed 530 instead of retrying forever."""
    attempt = _attempt(record)
    if attempt < settings.load().max_attempts:
        return False
    try:
        jobid = JobMessage.from_body(record["body"]).jobid
        fail_job(jobid, 530, f"Job {jobid} failed after {attempt} attempts: internal error",
                 {"worker": socket.gethostname(), "attempt": str(attempt)})
        return True
    except Exception:  # the sweeper fails it by its deadline
        log.exception("could not fail job of record %s", record.get("messageId"))
        return False


def _attempt(record: Mapping[str, Any]) -> int:
    return int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))


def fail_job(jobid: str, code: int, text: str, actor: Mapping[str, str]) -> bool:
    """End an unfinished job with JobFailed (and its VM's consequences); False if it had finished already."""
    events = eventlog.load_stream(job_stream(jobid))
    job = fold(jobid, events)
    if job.finished or not events:
        return False
    if job.instancetype == "VirtualMachine":
        vm_jobs.abandon(job, events, code, text, actor)
    else:
        eventlog.commit_job(jobid, events, [jobs.failed(job, code, text, actor)])
    return True


def process_record(record: Mapping[str, Any]) -> None:
    try:
        message = JobMessage.from_body(record["body"])
    except (ValueError, KeyError, TypeError):
        log.error("dropping message %s: not a job message", record.get("messageId"))
        return
    attempt = _attempt(record)
    run_job(message.jobid, attempt, {"worker": socket.gethostname(), "attempt": str(attempt),
                                     "message": str(record.get("messageId", "")), "trace": message.trace})


def run_job(jobid: str, attempt: int, actor: Mapping[str, str], *, provision: bool = True) -> None:
    """Load the stream, start the job unless it is finished or not its turn, execute it. `provision=False`:
    no hypervisor delay (the API's own runs of commands CloudStack answers synchronously, runtime/inline).

    A redelivered message changes nothing: the stream decides. A message that arrives before its turn is set
    aside: the VM's previous job sends it again when it finishes (and the sweeper if that send is lost).
    """
    events = eventlog.load_stream(job_stream(jobid))
    if not events:
        log.error("message names job %s, which was never submitted", jobid)
        return
    job = fold(jobid, events)
    if job.finished:
        return
    vm = None
    if job.instancetype == "VirtualMachine":
        vm = statetable.get("vm", job.instanceid)
        if vm is None:
            raise LookupError(f"job {jobid}: vm {job.instanceid} has no state row")
        if not vm_jobs.is_turn(job, vm):
            log.info("job %s waits for an earlier job on vm %s", jobid, job.instanceid)
            return
    try:
        job, started = eventlog.commit_job(jobid, events, jobs.start(job, attempt, actor))
    except ConcurrencyConflict:  # another run started it meanwhile (the API's own run, a redelivery): it goes on
        log.info("job %s was started by another run", jobid)
        return
    history = [*events, *started]
    if vm is None:
        if job.instancetype in resource_jobs.INSTANCE_TYPES:
            resource_jobs.execute(job, history, actor)
        else:
            tenant_jobs.execute(job, history, actor)
        return
    delay = settings.load().provision_seconds if provision and job.command not in vm_changes.RECORD_ONLY else 0
    if delay:
        time.sleep(delay)  # the hypervisor's time to do the work (local stack realism)
    vm_jobs.execute(job, history, vm.as_dict(), actor)
