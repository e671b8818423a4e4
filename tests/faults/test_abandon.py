"""Failing a queued job (sweeper deadline, spent attempts) never overwrites its VM: another job may be running."""
from __future__ import annotations

from jobledger.audit import reader, report
from chalicelib.aws import statetable
from chalicelib.runtime.worker import fail_job


def test_failing_a_queued_command_leaves_the_vm_as_the_running_job_left_it(cloud):
    vm = cloud.deploy()
    _, body = cloud.call(command="stopVirtualMachine", id=vm["id"])
    stop = body["stopvirtualmachineresponse"]["jobid"]
    assert fail_job(stop, 530, "deadline passed", {"worker": "test"})  # while the deploy has not run yet
    cloud.run_worker()
    assert cloud.job(vm["jobid"])["jobstatus"] == 1
    doc = statetable.get("vm", vm["id"])
    assert doc.as_dict()["state"] == "Running" and doc.as_dict()["hostid"] == "2" and not doc.pending
    failed = cloud.job(stop)
    assert (failed["jobstatus"], failed["jobresultcode"]) == (2, 530)
    result = report.audit(reader.read_log(), reader.read_state())
    assert result.clean and result.verified.warnings == []
