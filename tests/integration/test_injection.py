"""The adapters take their clients: a test or the local stack hands them in, no import-order tricks."""
from __future__ import annotations

from typing import Any

import boto3
from pynamodb.connection import Connection

from chalicelib.aws import eventlog, queue


class Counting:
    """Wraps a client and counts the calls made through it."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.calls = inner, []

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return method(*args, **kwargs)

        return call


def test_the_queue_and_the_event_log_use_the_clients_they_are_given(cloud):
    sqs = Counting(boto3.client("sqs", region_name="us-east-1"))
    connection = Connection(region="us-east-1")
    queue.use_client(sqs)
    eventlog.use_connection(connection)
    try:
        cloud.deploy()
        assert sqs.calls == ["get_queue_url", "send_message"]
        assert eventlog._connection() is connection
    finally:
        queue.use_client(None)
        eventlog.use_connection(None)
    assert queue.client() is not sqs and eventlog._connection() is not connection
    cloud.run_worker()
