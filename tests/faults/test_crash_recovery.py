"""Kill the worker before every AWS call of a job in turn: the redelivered message finishes it exactly once."""
from __future__ import annotations

import pytest

from tests.faults import harness
from tests.faults.invariants import violations


def aws_calls_of_one_deploy(cloud) -> int:
    cloud.deploy()
    messages = cloud.receive()
    with harness.active(harness.Faults()) as counting:
        cloud.invoke(messages)
    return len(counting.calls)


def test_a_deploy_makes_a_known_number_of_aws_calls(cloud):
    assert 8 <= aws_calls_of_one_deploy(cloud) <= 20


@pytest.mark.parametrize("kill_at", range(16))
def test_a_worker_killed_anywhere_is_finished_by_redelivery(cloud, kill_at):
    answer = cloud.deploy()
    messages = cloud.receive()
    faults = harness.Faults(kill_at=kill_at)
    with harness.active(faults), faults.worker():
        try:
            cloud.invoke(messages)
        except harness.WorkerKilled:
            pass
    cloud.invoke(messages)  # SQS delivers it again after the visibility timeout
    cloud.invoke(messages)  # and perhaps once more
    job = cloud.job(answer["jobid"])
    assert job["jobstatus"] == 1, job
    assert violations([answer["jobid"]]) == []


@pytest.mark.parametrize("fail_at", range(0, 16, 3))
def test_a_failed_aws_call_anywhere_is_retried_to_completion(cloud, fail_at):
    answer = cloud.deploy()
    messages = cloud.receive()
    with harness.active(harness.Faults(fail_at=fail_at)):
        response = cloud.invoke_tolerant(messages)
    if response.get("batchItemFailures"):
        cloud.invoke(messages)
    assert cloud.job(answer["jobid"])["jobstatus"] == 1
    assert violations([answer["jobid"]]) == []
