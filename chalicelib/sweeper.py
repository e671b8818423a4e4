"""The sweeper: no accepted job is lost and none stays pending forever.

It reads only the sparse `unfinished` index (job rows drop out of it when they finish), so its cost follows
the number of unfinished jobs, not the size of the table. A job nothing happened to for `sweep_after_seconds`
is sent again (its first message may never have been sent, or was lost); a job past its deadline is failed 530.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from chalicelib import settings
from chalicelib.fold import job_from_row
from chalicelib.models import StateRecord
from chalicelib.queue import send_job
from chalicelib.worker import fail_job

log = logging.getLogger(__name__)
SWEEPER_ACTOR = {"worker": "sweeper"}


@dataclass
class SweepReport:
    seen: int = 0
    requeued: int = 0
    failed: int = 0


def sweep(now: datetime | None = None, limit: int = 500) -> SweepReport:
    config = settings.load()
    now = now or datetime.now(timezone.utc)
    report = SweepReport()
    for row in StateRecord.by_unfinished.query("pending", limit=limit):
        job = job_from_row(row.as_dict())
        report.seen += 1
        if _seconds(now, job.created) > config.job_deadline_seconds:
            text = f"Job {job.jobid} did not complete within {int(config.job_deadline_seconds)} seconds"
            report.failed += fail_job(job.jobid, 530, text, SWEEPER_ACTOR)
        elif _seconds(now, job.updated or job.created) > config.sweep_after_seconds:
            send_job(job.jobid)
            report.requeued += 1
    if report.requeued or report.failed:
        log.warning("sweeper: %s", report)
    return report


def _seconds(now: datetime, iso: str) -> float:
    return (now - datetime.fromisoformat(iso.replace("Z", "+00:00"))).total_seconds()
