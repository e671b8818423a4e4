"""Nothing accepted is lost, nothing stays pending forever: the sweeper and the bounded attempts."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from chalicelib import settings
from chalicelib.sweeper import sweep
from tests.faults import harness


def later(seconds: float) -> datetime:
    return datetime.now(timezone.utc) + timedelta(seconds=seconds)


def test_a_job_whose_send_failed_is_accepted_and_run_by_the_sweeper(cloud):
    faults = harness.Faults(fail_on="sqs:SendMessage")
    with harness.active(faults):
        answer = cloud.deploy()  # accepted: the job is recorded before the send
    assert faults.injected["errors"] == 1 and "sqs:SendMessage" in faults.calls
    assert cloud.receive() == []  # the message never went out
    assert sweep(later(1)).requeued == 0  # too early: it may simply be slow
    report = sweep(later(settings.load().sweep_after_seconds + 1))
    assert report.requeued == 1
    cloud.run_worker()
    assert cloud.job(answer["jobid"])["jobstatus"] == 1


def test_a_job_past_its_deadline_fails_with_530_and_holds_nothing(cloud):
    answer = cloud.deploy()
    report = sweep(later(settings.load().job_deadline_seconds + 1))
    assert report.failed == 1
    job = cloud.job(answer["jobid"])
    assert (job["jobstatus"], job["jobresultcode"]) == (2, 530)
    assert "did not complete within" in job["jobresult"]["errortext"]
    status, body = cloud.call(command="listVirtualMachines", id=answer["id"])
    assert body["listvirtualmachinesresponse"]["virtualmachine"][0]["state"] == "Error"
    cloud.run_worker()  # the late message changes nothing
    assert cloud.job(answer["jobid"])["jobstatus"] == 2


def test_a_job_that_fails_on_every_attempt_ends_530_on_the_last(cloud, monkeypatch):
    answer = cloud.deploy()
    [message] = cloud.receive()
    always = harness.Faults(error_rate=1.0)
    for attempt in range(1, settings.load().max_attempts):
        record = dict(message, Attributes={**message["Attributes"], "ApproximateReceiveCount": str(attempt)})
        with harness.active(always):
            assert cloud.invoke_tolerant([record])["batchItemFailures"]
    assert cloud.job(answer["jobid"])["jobstatus"] == 0
    last = dict(message, Attributes={**message["Attributes"],
                                     "ApproximateReceiveCount": str(settings.load().max_attempts)})
    flaky = harness.Faults(fail_at=0)  # the job fails once more; ending it works
    with harness.active(flaky):
        assert cloud.invoke_tolerant([last]) == {"batchItemFailures": []}
    job = cloud.job(answer["jobid"])
    assert (job["jobstatus"], job["jobresultcode"]) == (2, 530)
    assert job["jobresult"]["errortext"] == f"Job {answer['jobid']} failed after 5 attempts: internal error"


def test_the_sweeper_reads_only_unfinished_jobs(cloud):
    for _ in range(3):
        cloud.deploy()
    cloud.run_worker()
    cloud.deploy()
    assert sweep(later(settings.load().sweep_after_seconds + 1)).seen == 1
