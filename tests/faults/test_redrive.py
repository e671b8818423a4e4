"""Poison messages dead-letter after the redrive policy's receives; `redrive` brings them back."""
from __future__ import annotations

from chalicelib.aws import queue


def test_dead_lettered_messages_are_moved_back_and_then_run(cloud):
    answer = cloud.deploy()
    sqs, url = queue.client(), queue.queue_url()
    for _ in range(5):  # five receives without a delete: the redrive policy moves it to the DLQ
        [message] = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0).get("Messages", [])
    assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []
    assert queue.redrive() == 1
    cloud.run_worker()
    assert cloud.job(answer["jobid"])["jobstatus"] == 1
    assert queue.redrive() == 0
