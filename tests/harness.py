"""The one in-process cloud the tests drive: moto's DynamoDB and SQS behind the real adapters, a signed API
client calling the function the Chalice route calls, and the worker invoked as Lambda invokes it.

`quiet` wraps the harness's own AWS calls (Lambda's event source mapping receiving and deleting messages), so
that hooks which record or count the code's calls can leave them out.
"""
from __future__ import annotations

import json
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, Callable, Iterator

from chalice.test import Client
from moto import mock_aws

from app import app
from jobledger import bootstrap, inventory
from chalicelib.aws import directory, models, queue, statetable
from chalicelib.cloudstack import signing
from chalicelib.commands import api
from chalicelib.runtime.worker import BatchFailed
from jobledger.local import records_event, sqs_record

QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:jobledger-jobs"
Keys = tuple[str, str]


class Cloud:
    """Drives the API as a signing client would (as `keys` unless told) and the worker as Lambda would."""

    def __init__(self, client: Client, keys: Keys,
                 quiet: Callable[[], AbstractContextManager[Any]] = nullcontext) -> None:
        self.client, self.keys, self.quiet = client, keys, quiet

    def call(self, as_: Keys | None = None, **params: str) -> tuple[int, dict[str, Any]]:
        key, secret = as_ or self.keys
        reply = api.handle(api.HttpRequest("GET", signing.signed([*params.items(), ("response", "json")], key,
                                                                 secret)))
        return reply.status, json.loads(reply.body)

    def ok(self, as_: Keys | None = None, **params: str) -> dict[str, Any]:
        """The response's object (under its root element) of a call that must succeed."""
        status, body = self.call(as_, **params)
        assert status == 200, body
        return dict(next(iter(body.values())))

    def raw(self, pairs: list[tuple[str, str]], body: bytes | None = None, method: str = "GET") -> api.HttpReply:
        return api.handle(api.HttpRequest(method, pairs, body))

    def receive(self) -> list[dict[str, Any]]:
        with self.quiet():
            return list(queue.client().receive_message(QueueUrl=queue.queue_url(), MaxNumberOfMessages=10,
                                                       AttributeNames=["All"]).get("Messages", []))

    def delete(self, messages: list[dict[str, Any]]) -> None:
        with self.quiet():
            for m in messages:
                queue.client().delete_message(QueueUrl=queue.queue_url(), ReceiptHandle=m["ReceiptHandle"])

    def invoke(self, messages: list[dict[str, Any]], receive_count: str | None = None) -> dict[str, Any]:
        """Hand messages to the SQS handler exactly as Lambda would; answer its response (raises BatchFailed
        when every record failed, as the handler does)."""
        records = [sqs_record(m, QUEUE_ARN) for m in messages]
        if receive_count:
            for r in records:
                r["attributes"] = dict(r["attributes"], ApproximateReceiveCount=receive_count)
        return dict(self.client.lambda_.invoke("job_worker", records_event(records)).payload)

    def invoke_tolerant(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """As `invoke`, but a batch whose every record failed answers as all failed instead of raising."""
        try:
            return self.invoke(messages)
        except BatchFailed:
            return {"batchItemFailures": [{"itemIdentifier": m["MessageId"]} for m in messages]}

    def deliver(self, messages: list[dict[str, Any]], receive_count: str | None = None) -> set[str]:
        """Invoke the worker with the messages; answer the ids it reported failed (all, when it raised)."""
        try:
            reply = self.invoke(messages, receive_count)
        except Exception:  # every record failed: Lambda retries the whole batch
            return {m["MessageId"] for m in messages}
        return {f["itemIdentifier"] for f in reply["batchItemFailures"]}

    def run_worker(self) -> int:
        """Process and delete every queued message; answer how many were processed."""
        processed = 0
        while messages := self.receive():
            self.invoke(messages)
            self.delete(messages)
            processed += len(messages)
        return processed

    def deploy(self, **extra: str) -> dict[str, Any]:
        return self.deploy_as(self.keys, **extra)

    def deploy_as(self, keys: Keys, **extra: str) -> dict[str, Any]:
        params = {"zoneid": "1", "serviceofferingid": "1", "templateid": "1", **extra}
        return self.ok(keys, command="deployVirtualMachine", **params)

    def job(self, jobid: str, as_: Keys | None = None) -> dict[str, Any]:
        return self.ok(as_, command="queryAsyncJobResult", jobid=jobid)


@contextmanager
def running_cloud(keys: Keys, inventory_path: Any = None,
                  quiet: Callable[[], AbstractContextManager[Any]] = nullcontext) -> Iterator[Cloud]:
    """Tables, queues, the inventory and the bootstrap admin (with `keys`) made in moto, for the block."""
    statetable.LEASES.forget()  # a fresh cloud: no id block leased from another test's tables
    with mock_aws():
        models.create_tables()
        queue.create_queues()
        bootstrap.seed_inventory(inventory.read_inventory(inventory_path))
        directory.ensure_bootstrap(*keys)
        with Client(app) as client:
            yield Cloud(client, keys, quiet)
