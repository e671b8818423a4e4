"""Integration fixtures: the real adapters against moto's in-process DynamoDB and SQS."""
from __future__ import annotations

import json
from typing import Any, Iterator

import pytest
from chalice.test import Client
from moto import mock_aws

from app import app
from chalicelib import api, bootstrap, directory, inventory, models, queue, signing
from chalicelib.worker import BatchFailed
from jobledger.local import records_event, sqs_record


ADMIN_KEY, ADMIN_SECRET = "it-admin-key", "it-admin-secret"


def signed(params: dict[str, str], key: str, secret: str) -> list[tuple[str, str]]:
    pairs = [*params.items(), ("apiKey", key), ("response", "json")]
    return [*pairs, ("signature", signing.sign(signing.string_to_sign(pairs), secret))]


class Cloud:
    """Drives the API as a client would (signed as the admin unless told) and the worker as Lambda would."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.keys = (ADMIN_KEY, ADMIN_SECRET)

    def call(self, as_: tuple[str, str] | None = None, **params: str) -> tuple[int, dict[str, Any]]:
        key, secret = as_ or self.keys
        reply = api.handle(api.HttpRequest("GET", signed(params, key, secret)))
        return reply.status, json.loads(reply.body)

    def raw(self, pairs: list[tuple[str, str]], body: bytes | None = None, method: str = "GET") -> api.HttpReply:
        return api.handle(api.HttpRequest(method, pairs, body))

    def receive(self) -> list[dict[str, Any]]:
        sqs = queue.client()
        return sqs.receive_message(QueueUrl=queue.queue_url(), MaxNumberOfMessages=10,
                                   AttributeNames=["All"]).get("Messages", [])

    def invoke(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """Hand messages to the SQS handler exactly as Lambda would; answer its response."""
        event = records_event([sqs_record(m, "arn:aws:sqs:us-east-1:123456789012:jobledger-jobs") for m in messages])
        return self.client.lambda_.invoke("job_worker", event).payload

    def invoke_tolerant(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """As `invoke`, but a batch whose every record failed answers as all failed instead of raising."""
        try:
            return self.invoke(messages)
        except BatchFailed:
            return {"batchItemFailures": [{"itemIdentifier": m["MessageId"]} for m in messages]}

    def run_worker(self) -> int:
        """Process and delete every queued message; answer how many were processed."""
        processed = 0
        while messages := self.receive():
            self.invoke(messages)
            for m in messages:
                queue.client().delete_message(QueueUrl=queue.queue_url(), ReceiptHandle=m["ReceiptHandle"])
            processed += len(messages)
        return processed

    def deploy(self, **extra: str) -> dict[str, Any]:
        params = {"zoneid": "1", "serviceofferingid": "1", "templateid": "1", **extra}
        status, body = self.call(command="deployVirtualMachine", **params)
        assert status == 200, body
        return body["deployvirtualmachineresponse"]

    def deploy_as(self, keys: tuple[str, str], **extra: str) -> dict[str, Any]:
        params = {"zoneid": "1", "serviceofferingid": "1", "templateid": "1", **extra}
        status, body = self.call(as_=keys, command="deployVirtualMachine", **params)
        assert status == 200, body
        return body["deployvirtualmachineresponse"]

    def job(self, jobid: str) -> dict[str, Any]:
        status, body = self.call(command="queryAsyncJobResult", jobid=jobid)
        assert status == 200, body
        return body["queryasyncjobresultresponse"]


def running_cloud(inventory_path: Any = None) -> Iterator[Cloud]:
    with mock_aws():
        models.create_tables()
        queue.create_queues()
        bootstrap.seed_inventory(inventory.read_inventory(inventory_path))
        directory.ensure_bootstrap(ADMIN_KEY, ADMIN_SECRET)
        with Client(app) as client:
            yield Cloud(client)


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    """The documentation's inventory: one zone, one host with room for five Small Instances."""
    yield from running_cloud()


@pytest.fixture
def big_cloud() -> Iterator[Cloud]:
    """The two-zone example inventory: five hosts, XenServer and KVM."""
    yield from running_cloud(inventory.DEFAULT_PATH.with_name("two-zones.json"))
