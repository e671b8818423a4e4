"""What operators see: JSON log lines (Powertools Logger) and CloudWatch metrics as embedded-metric-format
lines (Powertools single_metric), written to stdout, which Lambda sends to CloudWatch Logs. Emitted where a
request is answered, a job accepted or finished, and a sweep done. Nothing here can fail a request or a job.
"""
from __future__ import annotations

import logging
import sys
from datetime import datetime
from typing import Any, Mapping

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from chalicelib import settings

NAMESPACE = "jobledger"


class _Stdout(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stdout is when a line is logged (Lambda's, the local stack's, a test's capture)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stdout
        super().emit(record)


LOG = Logger(service="jobledger", logger_handler=_Stdout(sys.stdout))
if settings.load().telemetry:  # chalicelib's own loggers (logging.getLogger(__name__)) write the same JSON lines
    copy_config_to_registered_loggers(source_logger=LOG, include={"chalicelib"})


def enabled() -> bool:
    """On in deployed stages; the local stack turns it on with `serve --log-format json`, tests where they look."""
    return settings.load().telemetry


def count(name: str, value: float = 1, **dimensions: str) -> None:
    """One metric data point, e.g. count("JobsFailed", errorcode="551")."""
    _measure(name, MetricUnit.Count, value, dimensions)


def _measure(name: str, unit: MetricUnit, value: float, dimensions: Mapping[str, str] | None = None) -> None:
    if not enabled():
        return
    try:
        with single_metric(name=name, unit=unit, value=value, namespace=NAMESPACE) as metric:
            for key, dimension in (dimensions or {}).items():
                metric.add_dimension(name=key, value=dimension)
    except Exception:  # noqa: BLE001 - telemetry never fails the work it describes
        logging.getLogger(__name__).debug("metric %s not emitted", name, exc_info=True)


def request_answered(command: str, status: int, accountid: str, request_id: str, **fields: Any) -> None:
    if not enabled():
        return
    LOG.info("request", extra={"command": command, "status": status, "accountid": accountid,
                               "request_id": request_id, **fields})


def job_accepted(jobid: str, command: str, accountid: str, instance: str) -> None:
    if not enabled():
        return
    LOG.info("job accepted", extra={"jobid": jobid, "command": command, "accountid": accountid,
                                    "instance": instance})
    count("JobsSubmitted", command=command)


def job_finished(job: Any) -> None:
    """A job's terminal event committed: outcome, error code, duration from submission, attempts."""
    if not enabled():
        return
    succeeded = job.status == 1
    fields = {"jobid": job.jobid, "command": job.command, "accountid": job.accountid, "attempts": job.attempts,
              "resultcode": job.resultcode, "duration_ms": _ms(job.created, job.completed)}
    LOG.info("job succeeded" if succeeded else "job failed", extra=fields)
    if succeeded:
        count("JobsSucceeded", command=job.command)
    else:
        count("JobsFailed", errorcode=str(job.resultcode))
    _measure("JobDuration", MetricUnit.Milliseconds, fields["duration_ms"])
    _measure("JobAttempts", MetricUnit.Count, job.attempts)


def sweep_done(report: Mapping[str, int]) -> None:
    if not enabled():
        return
    LOG.info("sweep", extra=dict(report))
    for name, key in (("SweeperResends", "requeued"), ("SweeperFailedJobs", "failed"), ("SweeperErrors", "errors")):
        if report.get(key):
            count(name, report[key])


def _ms(start: str, end: str | None) -> float:
    if not start or not end:
        return 0.0
    parse = datetime.fromisoformat
    return (parse(end.replace("Z", "+00:00")) - parse(start.replace("Z", "+00:00"))).total_seconds() * 1000
