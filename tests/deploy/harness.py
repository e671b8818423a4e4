"""The test harness of the deployment checks: a signed API client, and Lambda's side of the queue and schedule.

The harness's own calls (Lambda's event source mapping receiving and deleting messages) are not recorded.
"""
from __future__ import annotations

import json
import os
from contextlib import contextmanager
from typing import Any, Iterator

from chalice.app import ScheduledEventConfig
from chalice.test import Client

from app import app
from chalicelib import api, queue, signing
from jobledger.local import records_event, sqs_record
from tests.deploy.awscalls import RECORDER

ADMIN = ("deploy-admin-key", "deploy-admin-secret")
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:jobledger-jobs"


@contextmanager
def environment(**values: str) -> Iterator[None]:
    """Settings are read per request: set some for the duration of one flow."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class Cloud:
    """A client of the API (signed) and Lambda's side of the queue, as in production."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def cold_start(self) -> None:
        """Forget what a warm Lambda container remembers (clients, the queue's URL), so the calls a cold one
        makes are recorded too, whichever tests ran before in this process."""
        for cached in vars(queue).values():
            if hasattr(cached, "cache_clear"):
                cached.cache_clear()

    def call(self, keys: tuple[str, str] = ADMIN, **params: str) -> tuple[int, dict[str, Any]]:
        pairs = [*params.items(), ("apiKey", keys[0]), ("response", "json")]
        pairs.append(("signature", signing.sign(signing.string_to_sign(pairs), keys[1])))
        reply = api.handle(api.HttpRequest("GET", pairs))
        return reply.status, json.loads(reply.body)

    def ok(self, keys: tuple[str, str] = ADMIN, **params: str) -> dict[str, Any]:
        status, body = self.call(keys, **params)
        assert status == 200, body
        return dict(next(iter(body.values())))

    def receive(self) -> list[dict[str, Any]]:
        with RECORDER.paused():  # the event source mapping's calls, not the code's
            return list(queue.client().receive_message(QueueUrl=queue.queue_url(), MaxNumberOfMessages=10,
                                                       AttributeNames=["All"]).get("Messages", []))

    def deliver(self, messages: list[dict[str, Any]], receive_count: str | None = None) -> set[str]:
        """Invoke the worker Lambda with the messages; answer the ids it reported failed."""
        records = [sqs_record(m, QUEUE_ARN) for m in messages]
        if receive_count:
            for r in records:
                r["attributes"] = dict(r["attributes"], ApproximateReceiveCount=receive_count)
        try:
            reply = self.client.lambda_.invoke("job_worker", records_event(records)).payload
        except Exception:  # every record failed: Lambda retries the whole batch
            return {m["MessageId"] for m in messages}
        return {f["itemIdentifier"] for f in reply["batchItemFailures"]}

    def run_worker(self) -> None:
        """Deliver every queued message once; delete those the worker did not report failed."""
        while messages := self.receive():
            failed = self.deliver(messages)
            with RECORDER.paused():
                for m in messages:
                    if m["MessageId"] not in failed:
                        queue.client().delete_message(QueueUrl=queue.queue_url(), ReceiptHandle=m["ReceiptHandle"])

    def scheduled(self) -> list[ScheduledEventConfig]:
        return [s for s in app.event_sources if isinstance(s, ScheduledEventConfig)]

    def sweep(self) -> None:
        """Invoke each scheduled Lambda the app has (the sweeper), as EventBridge would."""
        for source in self.scheduled():
            event = self.client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [])
            self.client.lambda_.invoke(source.name, event)

    def job(self, jobid: str, keys: tuple[str, str] = ADMIN) -> dict[str, Any]:
        return self.ok(keys, command="queryAsyncJobResult", jobid=jobid)
