"""An in-process cloud for the benchmarks: moto's DynamoDB and SQS behind the real adapters, a signed API
client, the worker handler called as Lambda calls it, and a count of the AWS requests made.

Requests are counted with a botocore `before-call` handler among botocore's built-in handlers, which every
session (boto3's, PynamoDB's per thread) registers when it is made: import this module before any client.
"""
from __future__ import annotations

import json
import os
from collections import Counter
from contextlib import contextmanager
from typing import Any, Iterator

for _name, _value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1",
                      "JOBLEDGER_PROVISION_SECONDS": "0", "JOBLEDGER_RATE_LIMIT": "1000000"}.items():
    os.environ[_name] = _value  # the rate limit stays on (its counter is part of every request), never reached
os.environ.pop("AWS_ENDPOINT_URL", None)

import moto  # noqa: E402,F401  (before any botocore client)
from moto import mock_aws  # noqa: E402

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


class Cloud:
    """Tables, queues, inventory and the admin made in moto; the API and the worker as in production."""

    def __init__(self, inventory_path: str | None = None) -> None:
        from jobledger import bootstrap, inventory
        from chalicelib.aws import directory, models, queue

        self.mock = mock_aws()
        self.mock.start()
        models.create_tables()
        queue.create_queues()
        bootstrap.seed_inventory(inventory.read_inventory(inventory_path))
        directory.ensure_bootstrap(*ADMIN)

    def close(self) -> None:
        self.mock.stop()

    def call(self, keys: tuple[str, str] = ADMIN, **params: str) -> dict[str, Any]:
        """One signed API request through the same function the Chalice route calls; the response's body."""
        from chalicelib.cloudstack import signing
        from chalicelib.commands import api

        pairs = [*params.items(), ("apiKey", keys[0]), ("response", "json")]
        pairs.append(("signature", signing.sign(signing.string_to_sign(pairs), keys[1])))
        reply = api.handle(api.HttpRequest("GET", pairs))
        body = json.loads(reply.body)
        if reply.status != 200:
            raise RuntimeError(f"{params.get('command')}: {reply.status} {body}")
        return dict(next(iter(body.values())))

    def receive(self) -> list[dict[str, Any]]:
        """What the event source mapping receives (not counted: Lambda's calls, not ours)."""
        from chalicelib.aws import queue

        with COUNT.paused():
            return list(queue.client().receive_message(QueueUrl=queue.queue_url(), MaxNumberOfMessages=10,
                                                       AttributeNames=["All"]).get("Messages", []))

    def deliver(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """Invoke the worker handler as Lambda does; delete what it did not report failed (not counted)."""
        from app import job_worker
        from chalicelib.aws import queue
        from jobledger.local import records_event, sqs_record

        reply = job_worker(records_event([sqs_record(m, QUEUE_ARN) for m in messages]), None)
        failed = {f["itemIdentifier"] for f in reply["batchItemFailures"]}
        with COUNT.paused():
            for m in messages:
                if m["MessageId"] not in failed:
                    queue.client().delete_message(QueueUrl=queue.queue_url(), ReceiptHandle=m["ReceiptHandle"])
        return dict(reply)

    def run_worker(self) -> None:
        while messages := self.receive():
            self.deliver(messages)
