"""The worker: turns SQS records into job executions and reports partial batch failures."""
from __future__ import annotations

import logging
import socket
import time
from typing import Any, Mapping, Sequence

from chalicelib import jobs, settings, store
from chalicelib.events import job_stream
from chalicelib.fold import fold
from chalicelib.lifecycle import EXECUTORS
from chalicelib.queue import JobMessage

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
            failures.append({"itemIdentifier": str(record["messageId"])})
    if records and len(failures) == len(records):
        raise BatchFailed(f"all {len(records)} records failed")
    return {"batchItemFailures": failures}


def process_record(record: Mapping[str, Any]) -> None:
    try:
        message = JobMessage.from_body(record["body"])
    except (ValueError, KeyError, TypeError):
        log.error("dropping message %s: not a job message", record.get("messageId"))
        return
    attempt = int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
    run_job(message.jobid, attempt, {"worker": socket.gethostname(), "attempt": str(attempt),
                                     "message": str(record.get("messageId", "")), "trace": message.trace})


def run_job(jobid: str, attempt: int, actor: Mapping[str, str]) -> None:
    """Load the stream, start the job unless it is finished, execute it. A redelivery changes nothing."""
    events = store.load_stream(job_stream(jobid))
    if not events:
        log.error("message names job %s, which was never submitted", jobid)
        return
    job = fold(jobid, events)
    started = jobs.start(job, attempt, actor)
    if not started:
        return
    store.commit(started)
    job = fold(jobid, [*events, *started])
    delay = settings.load().provision_seconds
    if delay:
        time.sleep(delay)  # the hypervisor's time to boot the instance (local stack realism)
    EXECUTORS[job.command](job, actor)
