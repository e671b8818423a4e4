"""Nothing accepted is lost, nothing stays pending forever: the sweeper and the bounded attempts."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from botocore.exceptions import ClientError

from chalicelib import settings
from chalicelib.aws.models import StateRecord
from chalicelib.aws.queue import JobMessage
from chalicelib.runtime.sweeper import sweep
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


class FailSendsOf(harness.Faults):
    """Every SendMessage naming one of `jobids` fails (a message that can never be sent); other calls pass."""

    def __init__(self, *jobids: str) -> None:
        super().__init__()
        self.jobids = jobids

    def before_call(self, model, params=None, **_):
        if model.name == "SendMessage" and JobMessage.from_body(json.loads(params["body"])["MessageBody"]).jobid \
                in self.jobids:
            self.injected["errors"] += 1
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "injected fault"}}, model.name)


def lost_jobs(cloud, count: int) -> list[str]:
    """Jobs accepted whose messages were lost."""
    jobids = [cloud.deploy(startvm="false")["jobid"] for _ in range(count)]
    cloud.receive()  # received and never processed or deleted: hidden until the visibility timeout
    return jobids


def test_a_failed_send_is_counted_and_the_round_goes_on(cloud):
    jobids = lost_jobs(cloud, 3)
    with harness.active(harness.Faults(fail_on="sqs:SendMessage")) as faults:
        report = sweep(later(settings.load().sweep_after_seconds + 1))
    assert faults.injected["errors"] == 1
    assert (report.seen, report.requeued, report.errors) == (3, 2, 1)
    assert sweep(later(settings.load().sweep_after_seconds + 1)).requeued == 3  # the next round sends it again
    cloud.run_worker()
    assert [cloud.job(j)["jobstatus"] for j in jobids] == [1, 1, 1]


def test_a_job_that_never_sends_does_not_starve_the_others(cloud):
    stuck, *others = lost_jobs(cloud, 3)  # the oldest comes first in every round
    with harness.active(FailSendsOf(stuck)) as faults:
        report = sweep(later(settings.load().sweep_after_seconds + 1))
        assert (report.seen, report.requeued, report.errors) == (3, 2, 1)
        cloud.run_worker()
        report = sweep(later(settings.load().sweep_after_seconds + 1))
        assert (report.seen, report.requeued, report.errors) == (1, 0, 1)
    assert faults.injected["errors"] == 2
    assert [cloud.job(j)["jobstatus"] for j in others] == [1, 1]
    # past its deadline it is failed, which needs no send: nothing stays pending forever
    with harness.active(FailSendsOf(stuck)):
        report = sweep(later(settings.load().job_deadline_seconds + 1))
    assert (report.failed, report.errors) == (1, 0)
    assert cloud.job(stuck)["jobresultcode"] == 530


def test_a_malformed_job_row_is_counted_and_the_others_are_swept(cloud):
    [jobid] = lost_jobs(cloud, 1)
    StateRecord("job", "999999", sort="job#000000999999", unfinished="pending", data={"jobid": "999999"}).save()
    report = sweep(later(settings.load().sweep_after_seconds + 1))
    assert (report.seen, report.requeued, report.errors) == (2, 1, 1)
    cloud.run_worker()
    assert cloud.job(jobid)["jobstatus"] == 1


def test_a_listing_that_fails_ends_the_round_counted_not_raised(cloud):
    lost_jobs(cloud, 1)
    with harness.active(harness.Faults(fail_on="dynamodb:Query")):
        report = sweep(later(settings.load().sweep_after_seconds + 1))
    assert (report.seen, report.requeued, report.errors) == (0, 0, 1)
    assert sweep(later(settings.load().sweep_after_seconds + 1)).requeued == 1
