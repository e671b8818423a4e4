"""The jobs queue on SQS: the message is a hint (`{"jobid": …}`), the job's stream decides what happens."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config

from chalicelib import settings


@dataclass(frozen=True)
class JobMessage:
    jobid: str
    trace: str

    def to_body(self) -> str:
        return json.dumps({"jobid": self.jobid, "trace": self.trace}, separators=(",", ":"))

    @classmethod
    def from_body(cls, body: str) -> "JobMessage":
        payload = json.loads(body)
        return cls(jobid=str(payload["jobid"]), trace=str(payload.get("trace", "")))


@lru_cache(maxsize=4)
def _client(region: str, endpoint_url: str | None) -> Any:
    # botocore's standard mode retries throttling and 5xx with exponential backoff and jitter
    config = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=25)
    return boto3.client("sqs", region_name=region, endpoint_url=endpoint_url, config=config)


_INJECTED: dict[str, Any] = {}


def use_client(sqs: Any | None) -> None:
    """Inject the SQS client every call here uses (as Powertools' persistence layers take a boto3 client);
    None goes back to the one made lazily from the settings."""
    if sqs is None:
        _INJECTED.clear()
    else:
        _INJECTED.update(sqs=sqs, url={})


def client() -> Any:
    if "sqs" in _INJECTED:
        return _INJECTED["sqs"]
    s = settings.load()
    return _client(s.region, s.endpoint_url)


@lru_cache(maxsize=4)
def _queue_url(region: str, endpoint_url: str | None, name: str) -> str:
    return str(_client(region, endpoint_url).get_queue_url(QueueName=name)["QueueUrl"])


def queue_url() -> str:
    s = settings.load()
    if "sqs" in _INJECTED:
        urls = _INJECTED["url"]
        if s.queue_name not in urls:
            urls[s.queue_name] = str(_INJECTED["sqs"].get_queue_url(QueueName=s.queue_name)["QueueUrl"])
        return str(urls[s.queue_name])
    return _queue_url(s.region, s.endpoint_url, s.queue_name)


def send_job(jobid: str, trace: str | None = None) -> None:
    message = JobMessage(jobid=jobid, trace=trace or uuid.uuid4().hex)
    client().send_message(QueueUrl=queue_url(), MessageBody=message.to_body())


def create_queues(visibility_timeout: int = 30, max_receives: int = 5) -> str:
    """Create the jobs queue and its DLQ (local stack and tests; on AWS the template does)."""
    name = settings.load().queue_name
    sqs = client()
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receives)})
    url = sqs.create_queue(QueueName=name, Attributes={
        "VisibilityTimeout": str(visibility_timeout), "RedrivePolicy": redrive})["QueueUrl"]
    return str(url)


def redrive(limit: int = 10_000) -> int:
    """Move messages from the DLQ back to the jobs queue (after a fix); answer how many moved.

    Each message is sent before it is deleted from the DLQ: a crash in between duplicates, never loses.
    """
    sqs = client()
    dlq = sqs.get_queue_url(QueueName=f"{settings.load().queue_name}-dlq")["QueueUrl"]
    moved = 0
    while moved < limit:
        messages = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not messages:
            break
        for message in messages:
            sqs.send_message(QueueUrl=queue_url(), MessageBody=message["Body"])
            sqs.delete_message(QueueUrl=dlq, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    return moved
