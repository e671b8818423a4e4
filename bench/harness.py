"""An in-process cloud for the benchmarks: moto's DynamoDB and SQS behind the real adapters, a signed API
client, the worker handler called as Lambda calls it, and a count of the AWS requests made.

Requests are counted with a botocore `before-call` handler among botocore's built-in handlers, which every
session (boto3's, PynamoDB's per thread) registers when it is made: import this module before any client.
"""
from __future__ import annotations

import os
from collections import Counter
from contextlib import contextmanager
from typing import Any, Iterator

for _name, _value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1",
                      "JOBLEDGER_PROVISION_SECONDS": "0", "JOBLEDGER_RATE_LIMIT": "1000000",
                      "JOBLEDGER_TELEMETRY": "off"}.items():
    os.environ[_name] = _value  # the per-process rate guard stays on, never reached; telemetry lines off
os.environ.pop("AWS_ENDPOINT_URL", None)

import moto  # noqa: E402,F401  (before any botocore client)
from moto import mock_aws  # noqa: E402

from tests import harness  # noqa: E402
from tests.awshooks import SwitchableHook  # noqa: E402

ADMIN = ("bench-admin-key", "bench-admin-secret")
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:jobledger-jobs"


class RequestCount(SwitchableHook):
    """`service:Operation` -> how many requests, while counting."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def observe(self, model: Any = None, **_: Any) -> None:
        self.counts[f"{model.service_model.service_name}:{model.name}"] += 1

    @contextmanager
    def counting(self) -> Iterator[Counter[str]]:
        self.counts = Counter()
        with self.switched_on():
            yield self.counts


COUNT = RequestCount()
COUNT.install("before-call")


class Cloud(harness.Cloud):
    """The tests' cloud (tests/harness.py) in moto, for the benchmarks: the harness's own SQS calls are not
    counted, and the worker handler is called directly as Lambda calls it (no test client in the timings)."""

    def __init__(self, inventory_path: str | None = None) -> None:
        from chalicelib.aws import directory, models, queue, statetable
        from jobledger import bootstrap, inventory

        statetable.LEASES.forget()
        self.mock = mock_aws()
        self.mock.start()
        models.create_tables()
        queue.create_queues()
        bootstrap.seed_inventory(inventory.read_inventory(inventory_path))
        directory.ensure_bootstrap(*ADMIN)
        super().__init__(None, ADMIN, COUNT.paused)  # type: ignore[arg-type]  # no test client: see invoke

    def close(self) -> None:
        self.mock.stop()

    def invoke(self, messages: list[dict[str, Any]], receive_count: str | None = None) -> dict[str, Any]:
        from app import job_worker
        from jobledger.local import records_event, sqs_record

        return dict(job_worker(records_event([sqs_record(m, QUEUE_ARN) for m in messages]), None))

    def run_worker(self) -> int:
        """Deliver every queued message; delete those the worker did not report failed (not counted)."""
        processed = 0
        while messages := self.receive():
            failed = self.deliver(messages)
            self.delete([m for m in messages if m["MessageId"] not in failed])
            processed += len(messages)
        return processed
