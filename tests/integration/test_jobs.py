"""Submit -> worker -> query against moto: the three documented states and what they leave behind."""
from __future__ import annotations

import pytest

from chalicelib.aws import eventlog, statetable
from chalicelib.aws.models import EventRecord, StateRecord
from chalicelib.core.events import job_stream
from chalicelib.runtime.worker import BatchFailed


def test_a_deployed_vm_is_pending_then_running(cloud):
    answer = cloud.deploy(diskofferingid="1")
    assert answer == {"jobid": "1", "id": "100"}
    pending = cloud.job("1")
    assert (pending["jobstatus"], pending["jobprocstatus"]) == (0, 0)
    assert "jobresult" not in pending and "jobresultcode" not in pending
    assert cloud.run_worker() == 1
    done = cloud.job("1")
    assert (done["jobstatus"], done["jobprocstatus"]) == (1, 0)
    assert (done["jobresultcode"], done["jobresulttype"]) == (0, "object")
    vm = done["jobresult"]["virtualmachine"]
    assert (vm["id"], vm["name"], vm["state"], vm["hostid"], vm["hostname"]) == (
        "100", "i-2-100-VM", "Running", "2", "905-13.sjc.lab.vmops.com")
    assert vm["nic"][0]["ipaddress"].startswith("10.1.1.") and vm["nic"][0]["networkid"] == "205"
    assert (vm["diskofferingid"], vm["account"], vm["domain"]) == ("1", "admin", "ROOT")


def test_the_stream_records_every_step_in_order(cloud):
    cloud.deploy()
    cloud.run_worker()
    stream = eventlog.load_stream(job_stream("1"))
    assert [(e.seq, e.type) for e in stream] == [(1, "JobSubmitted"), (2, "JobStarted"), (3, "JobCompleted")]
    assert stream[1].data == {"attempt": 1, "procstatus": 1}  # the start says the instance is being created


def test_the_sixth_small_instance_fails_for_capacity(cloud):
    answers = [cloud.deploy() for _ in range(6)]
    cloud.run_worker()
    statuses = [cloud.job(a["jobid"])["jobstatus"] for a in answers]
    assert statuses == [1, 1, 1, 1, 1, 2]
    failed = cloud.job(answers[5]["jobid"])
    assert failed["jobresultcode"] == 551
    assert failed["jobresult"] == {"errorcode": 551,
                                   "errortext": "Unable to deploy virtual machine id = 105 due to not enough capacity"}
    host = statetable.get("host", "2")
    assert (host.free_cpu, host.free_memory) == (0, 3072 - 5 * 512)
    assert statetable.get("vm", "105").as_dict()["state"] == "Error"


def test_each_vm_gets_its_own_address(cloud):
    for _ in range(5):
        cloud.deploy()
    cloud.run_worker()
    leases = list(StateRecord.scan(StateRecord.kind == "lease", consistent_read=True))
    owners = {r.holder for r in leases}
    addresses = [cloud.job(str(j))["jobresult"]["virtualmachine"]["nic"][0]["ipaddress"] for j in range(1, 6)]
    assert len(set(addresses)) == 5 and len(leases) == 5 and owners == {"100", "101", "102", "103", "104"}


def test_a_redelivered_message_does_not_deploy_twice(cloud):
    cloud.deploy()
    messages = cloud.receive()
    cloud.invoke(messages)
    before = EventRecord.count(job_stream("1"))
    cloud.invoke(messages)  # the same message again, as SQS may deliver it
    assert EventRecord.count(job_stream("1")) == before == 3
    assert statetable.get("host", "2").free_cpu == 2500 - 500
    assert len(list(StateRecord.scan(StateRecord.kind == "lease", consistent_read=True))) == 1


def test_startvm_false_leaves_the_vm_stopped_without_taking_capacity(cloud):
    cloud.deploy(startvm="false")
    cloud.run_worker()
    vm = cloud.job("1")["jobresult"]["virtualmachine"]
    assert vm["state"] == "Stopped" and "hostid" not in vm
    assert statetable.get("host", "2").free_cpu == 2500


def test_a_rejected_request_writes_nothing(cloud):
    status, body = cloud.call(command="deployVirtualMachine", zoneid="1", serviceofferingid="1", templateid="99")
    assert status == 431
    assert body["deployvirtualmachineresponse"]["errortext"] == (
        "Unable to execute API command deployvirtualmachine due to invalid value 99 for parameter templateid")
    status, _ = cloud.call(command="deployVirtualMachine", serviceofferingid="1", templateid="1")
    assert status == 431
    assert EventRecord.count(job_stream("1")) == 0
    assert statetable.get("counter", "job") is None and cloud.receive() == []


def test_an_unknown_job_is_a_431(cloud):
    status, body = cloud.call(command="queryAsyncJobResult", jobid="42")
    assert status == 431
    assert body["queryasyncjobresultresponse"]["errorcode"] == 431


def test_the_worker_reports_exactly_the_records_that_failed(cloud):
    cloud.deploy()
    good = cloud.receive()
    # a job whose VM row vanished cannot execute: its record alone is reported
    cloud.deploy()
    second = cloud.receive()
    StateRecord("vm", "101").delete()
    response = cloud.invoke(good + second)
    assert response == {"batchItemFailures": [{"itemIdentifier": second[0]["MessageId"]}]}
    assert cloud.job("1")["jobstatus"] == 1


def test_a_batch_whose_every_record_fails_raises(cloud):
    cloud.deploy()
    messages = cloud.receive()
    StateRecord("vm", "100").delete()
    with pytest.raises(BatchFailed):
        cloud.invoke(messages)


def test_a_message_that_is_not_a_job_is_dropped(cloud):
    cloud.deploy()
    [message] = cloud.receive()
    assert cloud.invoke([dict(message, Body="not json")]) == {"batchItemFailures": []}
