"""What a job leaves in DynamoDB, read raw with boto3 against moto: `data` and `actor` stored as compact JSON (no
space after `,` and `:`: DynamoDB bills an item by its bytes), and a VM job's terminal event keeping the VM's
document and its tags instead of the rendered result, which queryAsyncJobResult still answers whole."""
from __future__ import annotations

import json
from typing import Any

import boto3

from chalicelib import settings
from chalicelib.core import vm as vms
from chalicelib.core.dates import cloudstack_date


def dynamodb() -> Any:
    return boto3.client("dynamodb", region_name=settings.load().region)


def state_item(pk: str) -> dict[str, Any]:
    return dynamodb().get_item(TableName=settings.load().state_table, Key={"pk": {"S": pk}},
                               ConsistentRead=True)["Item"]


def event_items(stream: str) -> list[dict[str, Any]]:
    return dynamodb().query(TableName=settings.load().events_table, KeyConditionExpression="#s = :s",
                            ExpressionAttributeNames={"#s": "stream"}, ExpressionAttributeValues={":s": {"S": stream}},
                            ConsistentRead=True)["Items"]


def compact(stored: str) -> Any:
    """The stored JSON text, asserted compact; the document it parses to."""
    assert '", "' not in stored and '": "' not in stored
    document = json.loads(stored)
    assert stored == json.dumps(document, separators=(",", ":")), stored[:120]
    assert json.loads(json.dumps(document)) == document  # the spaced form (rows stored before) reads the same
    return document


def finished(cloud, jobid: str) -> dict[str, Any]:
    cloud.run_worker()
    job = cloud.job(jobid)
    assert job["jobstatus"] == 1, job
    return job


def test_a_deploy_stores_its_rows_and_events_as_compact_json(cloud):
    answer = cloud.deploy()
    done = finished(cloud, answer["jobid"])
    vm_row = state_item(f"vm#{answer['id']}")
    vm = compact(vm_row["data"]["S"])
    assert (vm["id"], vm["state"]) == (answer["id"], "Running") and vm_row["vmstate"]["S"] == "Running"
    assert done["jobresult"]["virtualmachine"] == vms.public_view(dict(vm, tags=[]), cloudstack_date)
    job_row = compact(state_item(f"job#{answer['jobid']}")["data"]["S"])
    assert (job_row["jobid"], job_row["status"]) == (answer["jobid"], 1)
    items = sorted(event_items(f"job#{answer['jobid']}"), key=lambda i: int(i["seq"]["N"]))
    assert [i["type"]["S"] for i in items] == ["JobSubmitted", "JobStarted", "JobCompleted"]
    assert [i["schema"]["N"] for i in items] == ["1", "1", "2"]  # JobCompleted v2: the VM kept, not its view
    actors, datas = [compact(i["actor"]["S"]) for i in items], [compact(i["data"]["S"]) for i in items]
    assert actors[0]["accountid"] == "2" and actors[1]["worker"] == actors[2]["worker"] == "vm"
    assert datas[0]["jobid"] == answer["jobid"] and datas[1] == {"attempt": 1, "procstatus": 1}
    terminal = datas[2]
    assert "result" not in terminal
    assert terminal["vm"] == vm and terminal["tags"] == [] and terminal["resultcode"] == 0


def test_a_vm_jobs_event_keeps_the_document_and_tags_while_clients_get_the_whole_result(cloud):
    answer = cloud.deploy()
    finished(cloud, answer["jobid"])
    vmid = answer["id"]
    tagged = cloud.ok(command="createTags", resourcetype="UserVm", resourceids=vmid,
                      **{"tags[0].key": "env", "tags[0].value": "prod", "tags[1].key": "team", "tags[1].value": "a"})
    finished(cloud, tagged["jobid"])
    stop = cloud.ok(command="stopVirtualMachine", id=vmid)["jobid"]
    answered = finished(cloud, stop)
    terminal = compact(sorted(event_items(f"job#{stop}"), key=lambda i: int(i["seq"]["N"]))[-1]["data"]["S"])
    assert "result" not in terminal and terminal["vm"]["state"] == "Stopped"
    assert [(t["key"], t["value"], t["resourceid"]) for t in terminal["tags"]] == [("env", "prod", vmid),
                                                                                   ("team", "a", vmid)]
    shown = answered["jobresult"]["virtualmachine"]
    assert shown == vms.public_view(dict(terminal["vm"], tags=terminal["tags"]), cloudstack_date)
    assert (shown["id"], shown["state"], [t["key"] for t in shown["tags"]]) == (vmid, "Stopped", ["env", "team"])
    assert shown["created"] == cloudstack_date(terminal["vm"]["created"])  # rendered as the wire shows it
    listed = cloud.ok(command="listVirtualMachines", id=vmid)["virtualmachine"][0]
    assert (listed["state"], listed["tags"]) == (shown["state"], shown["tags"])
    assert compact(state_item(f"vm#{vmid}")["data"]["S"]) == terminal["vm"]


def test_a_later_change_of_the_vm_view_shows_alike_on_every_path_and_the_audit_stays_clean(cloud, monkeypatch):
    """The job row keeps the VM's document and tags, not a rendering of them: when a later release changes what
    the wire shows of a VM, queryAsyncJobResult (which folds the stream) and listAsyncJobs (which reads the row)
    show the same, and replay, rendering with the same code, finds nothing to report."""
    from jobledger.audit import reader, report

    answer = cloud.deploy()
    before = finished(cloud, answer["jobid"])
    assert "haenable" in before["jobresult"]["virtualmachine"]
    assert report.audit(reader.read_log(), reader.read_state()).clean
    monkeypatch.setattr(vms, "VM_FIELDS", tuple(f for f in vms.VM_FIELDS if f != "haenable"))
    queried = cloud.job(answer["jobid"])["jobresult"]
    listed = next(j for j in cloud.ok(command="listAsyncJobs")["asyncjobs"] if j["jobid"] == answer["jobid"])
    assert queried == listed["jobresult"] and "haenable" not in queried["virtualmachine"]
    after = report.audit(reader.read_log(), reader.read_state())
    assert (after.problems, after.divergences) == ([], [])
