"""The sweeper: no accepted job is lost and none stays pending forever.

It reads only the sparse `unfinished` index (job rows drop out of it when they finish; its shards merged oldest
first, the rows then read by key), so its cost follows the number of unfinished jobs, not the size of the table.
A job nothing happened to for `sweep_after_seconds` is sent again (its first message may never have been sent,
or was lost); a job past its deadline is failed 530.
Each job is swept on its own: one that cannot be sent or failed is logged and counted, and the round goes on.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterator

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBException

from chalicelib import settings, telemetry
from chalicelib.aws import statetable
from chalicelib.aws.models import StateRecord
from chalicelib.aws.queue import send_job
from chalicelib.core.fold import job_from_row
from chalicelib.runtime.worker import fail_job

log = logging.getLogger(__name__)
SWEEPER_ACTOR = {"worker": "sweeper"}


@dataclass
class SweepReport:
    seen: int = 0
    requeued: int = 0
    failed: int = 0
    errors: int = 0  # jobs whose send or failure did not go through (and a listing cut short): the next round retries


def sweep(now: datetime | None = None, limit: int = 500) -> SweepReport:
    config = settings.load()
    now = now or datetime.now(timezone.utc)
    report = SweepReport()
    for row in _unfinished(limit, report):
        report.seen += 1
        _sweep_one(row, now, config, report)
    if report.requeued or report.failed or report.errors:
        log.warning("sweeper: %s", report)
    telemetry.sweep_done(vars(report))
    return report


def _unfinished(limit: int, report: SweepReport) -> Iterator[StateRecord]:
    """The unfinished job rows, oldest first, page by page; a page that cannot be read ends this round (counted:
    the next round reads the index again)."""
    try:
        yield from statetable.unfinished_jobs(limit)
    except (PynamoDBException, BotoCoreError, ClientError):
        log.exception("sweeper: reading the unfinished jobs failed after %s rows", report.seen)
        report.errors += 1


def _sweep_one(row: StateRecord, now: datetime, config: settings.Settings, report: SweepReport) -> None:
    """Resend or fail one job; whatever goes wrong with it (a throttled send, a cancelled transaction, a
    malformed row) is logged and counted, never allowed to stop the jobs after it."""
    jobid = str(row.id)
    try:
        job = job_from_row(row.as_dict())
        if _seconds(now, job.created) > config.job_deadline_seconds:
            text = f"Job {job.jobid} did not complete within {int(config.job_deadline_seconds)} seconds"
            report.failed += fail_job(job.jobid, 530, text, SWEEPER_ACTOR)
        elif _seconds(now, job.updated or job.created) > config.sweep_after_seconds:
            send_job(job.jobid)
            report.requeued += 1
    except Exception:  # isolation per job, as the worker isolates records: logged with its traceback, counted
        log.exception("sweeper: job %s could not be swept", jobid)
        report.errors += 1


def _seconds(now: datetime, iso: str) -> float:
    return (now - datetime.fromisoformat(iso.replace("Z", "+00:00"))).total_seconds()
