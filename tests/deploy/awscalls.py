"""Recording the AWS operations the code really performs, and naming the IAM action and resource each needs.

The recorder is a botocore `before-parameter-build` handler added to botocore's built-in handlers, which every
botocore session registers when it is made (moto hooks in the same way): it sees the calls of PynamoDB's
per-thread sessions and of boto3's alike, with no change to jobledger's code. It must be installed before
the first session exists, so this module is imported by the folder's conftest.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

from tests.awshooks import SwitchableHook

ACCOUNT = "123456789012"  # moto's account


@dataclass(frozen=True)
class Call:
    service: str
    operation: str
    region: str
    params: Mapping[str, Any]


@dataclass(frozen=True)
class Request:
    """One IAM authorization a call needs: `dynamodb:PutItem` on a table's ARN."""

    action: str
    resource: str
    operation: str  # the API operation that needed it, for failure messages


class Recorder(SwitchableHook):
    def __init__(self) -> None:
        self.calls: list[Call] = []

    def observe(self, params: Mapping[str, Any] | None = None, model: Any = None,
                context: Mapping[str, Any] | None = None, **_: Any) -> None:
        self.calls.append(Call(model.service_model.service_name, model.name,
                               str((context or {}).get("client_region") or "us-east-1"), dict(params or {})))

    @contextmanager
    def recording(self) -> Iterator["Recorder"]:
        with self.switched_on():
            yield self


RECORDER = Recorder()
RECORDER.install("before-parameter-build")


def table_arn(region: str, table: str, index: str | None = None) -> str:
    arn = f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/{table}"
    return f"{arn}/index/{index}" if index else arn


def queue_arn(region: str, queue_url_or_name: str) -> str:
    return f"arn:aws:sqs:{region}:{ACCOUNT}:{queue_url_or_name.rstrip('/').rsplit('/', 1)[-1]}"


# A transaction is authorized item by item, by the action each item performs (DynamoDB has no IAM action
# for TransactWriteItems itself).
TRANSACT_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                    "ConditionCheck": "ConditionCheckItem"}
# SQS batch operations are authorized as their single-message action.
SQS_ACTIONS = {"SendMessageBatch": "SendMessage", "DeleteMessageBatch": "DeleteMessage",
               "ChangeMessageVisibilityBatch": "ChangeMessageVisibility"}


def iam_requests(call: Call) -> list[Request]:
    """Every (action, resource) pair IAM checks for one call."""
    if call.service == "dynamodb":
        return _dynamodb_requests(call)
    if call.service == "sqs":
        target = call.params.get("QueueUrl") or call.params.get("QueueName") or ""
        action = SQS_ACTIONS.get(call.operation, call.operation)
        return [Request(f"sqs:{action}", queue_arn(call.region, target), call.operation)]
    raise AssertionError(f"unexpected AWS service {call.service} ({call.operation})")


def _dynamodb_requests(call: Call) -> list[Request]:
    p = call.params
    if call.operation == "TransactWriteItems":
        return [Request(f"dynamodb:{TRANSACT_ACTIONS[kind]}", table_arn(call.region, body["TableName"]),
                        call.operation) for item in p["TransactItems"] for kind, body in item.items()]
    if call.operation in ("BatchGetItem", "BatchWriteItem"):
        return [Request(f"dynamodb:{call.operation}", table_arn(call.region, table), call.operation)
                for table in p["RequestItems"]]
    return [Request(f"dynamodb:{call.operation}", table_arn(call.region, p["TableName"], p.get("IndexName")),
                    call.operation)]
