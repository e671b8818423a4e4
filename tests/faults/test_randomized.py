"""A few hundred jobs under random faults (fixed seed): failed AWS calls, killed workers, duplicated and
reordered messages, lost sends. Afterwards invariants 1-5 of docs/ARCHITECTURE.md hold."""
from __future__ import annotations

import os
import random
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib import settings
from jobledger.audit import reader, report
from chalicelib.aws import queue, statetable
from chalicelib.runtime.sweeper import sweep
from tests.faults import harness
from tests.faults.invariants import violations

JOBS = int(os.environ.get("JOBLEDGER_FAULT_JOBS", "200"))
SEED = int(os.environ.get("JOBLEDGER_FAULT_SEED", "20261127"))
COMMANDS = ("stopVirtualMachine", "startVirtualMachine", "rebootVirtualMachine", "destroyVirtualMachine")


class Chaos:
    """Drives the API and the worker the way SQS and Lambda would, with faults."""

    def __init__(self, cloud, rng: random.Random, faults: harness.Faults) -> None:
        self.cloud, self.rng, self.faults = cloud, rng, faults
        self.accepted: list[str] = []
        self.vms: list[str] = []
        self.refused = 0

    def submit(self) -> None:
        if not self.vms or self.rng.random() < 0.45:
            status, body = self.cloud.call(command="deployVirtualMachine", zoneid="1", serviceofferingid="1",
                                           templateid="1", startvm=self.rng.choice(["true", "true", "false"]))
            answer = body.get("deployvirtualmachineresponse", {})
            if status == 200:
                self.vms.append(answer["id"])
        else:
            command = self.rng.choice(COMMANDS)
            status, body = self.cloud.call(command=command, id=self.rng.choice(self.vms))
            answer = body.get(f"{command.lower()}response", {})
        if status == 200:
            self.accepted.append(answer["jobid"])
        else:
            assert status == 530, body  # a fault surfaces as a clean 530, never anything else
            self.refused += 1

    def deliver(self) -> None:
        """One poll: a batch, maybe reordered and duplicated; what fails or dies becomes visible again."""
        sqs, url = queue.client(), queue.queue_url()
        with self.faults.pause():
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"],
                                           VisibilityTimeout=30).get("Messages", [])
        if not messages:
            return
        self.rng.shuffle(messages)
        try:
            with self.faults.worker():
                failed = {f["itemIdentifier"] for f in self.cloud.invoke_tolerant(messages)["batchItemFailures"]}
        except harness.WorkerKilled:
            failed = {m["MessageId"] for m in messages}
        with self.faults.pause():
            for m in messages:
                # failed: redelivered at once rather than after the visibility timeout; and at-least-once
                # delivery means a processed message sometimes comes back anyway
                if m["MessageId"] in failed or self.rng.random() < 0.1:
                    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"],
                                                  VisibilityTimeout=0)
                else:
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def unfinished() -> int:
    return sum(1 for _ in statetable.unfinished_jobs())


# 200 jobs with faults against moto, whose transactions copy every table they touch (its rows now carry their
# index keys too): about a minute alone, past the default two minutes on a machine busy with other suites.
@pytest.mark.timeout(300)
def test_random_faults_break_no_invariant(cloud):
    rng = random.Random(SEED)
    faults = harness.Faults(seed=SEED, error_rate=0.02, kill_rate=0.01)
    chaos = Chaos(cloud, rng, faults)
    with harness.active(faults):
        for i in range(JOBS):
            chaos.submit()
            if rng.random() < 0.5:
                chaos.deliver()
            if i % 40 == 39:
                sweep(datetime.now(timezone.utc) + timedelta(seconds=settings.load().sweep_after_seconds + 1))
        for _ in range(JOBS):
            chaos.deliver()
    # faults off: the sweeper resends what was lost, then fails what is past its deadline
    later = datetime.now(timezone.utc) + timedelta(seconds=settings.load().sweep_after_seconds + 1)
    for _ in range(20):
        sweep(later)
        for _ in range(30):
            chaos.deliver()
        if not unfinished():
            break
    sweep(datetime.now(timezone.utc) + timedelta(seconds=settings.load().job_deadline_seconds + 1))
    for _ in range(10):
        chaos.deliver()
    summary = f"{len(chaos.accepted)} accepted, {chaos.refused} refused, faults {faults.injected}"
    print(summary)
    assert len(chaos.accepted) > JOBS * 0.8 and faults.injected["errors"] > 20 and faults.injected["kills"] > 5, summary
    assert unfinished() == 0
    assert violations(chaos.accepted) == [], summary
    # invariant 5: replaying the log alone reproduces every stored state row
    result = report.audit(reader.read_log(), reader.read_state())
    assert [str(p) for p in result.problems] == [] and [str(d) for d in result.divergences] == []
    assert result.verified.warnings == []
