"""Volumes on moto: a VM's ROOT and DATADISK, createVolume/attach/detach/resize/delete, storage capacity,
tenancy, and a clean audit replay after a session that uses them all."""
from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.aws import statetable
from jobledger import inventory
from jobledger.audit import reader, report
from tests.integration.conftest import running_cloud
from tests.integration.test_audit import tenant

GB = 1024 ** 3


def finished(cloud, jobid: str, as_: Any = None) -> dict[str, Any]:
    cloud.run_worker()
    return cloud.job(jobid, as_)


def deployed(cloud, as_: Any = None, **extra: str) -> str:
    reply = cloud.deploy_as(as_ or cloud.keys, **extra)
    assert finished(cloud, reply["jobid"], as_)["jobstatus"] == 1
    return reply["id"]


def volumes(cloud, as_: Any = None, **params: str) -> list[dict[str, Any]]:
    return cloud.ok(as_, command="listVolumes", **params).get("volume", [])


def audit_is_clean() -> None:
    result = report.audit(reader.read_log(), reader.read_state(), None)
    assert [str(p) for p in result.problems] + [str(d) for d in result.divergences] == []


def test_a_deployed_vm_has_a_root_volume_of_its_template_size_and_a_data_disk_with_an_offering(cloud):
    vmid = deployed(cloud, diskofferingid="1")
    disks = volumes(cloud, virtualmachineid=vmid)
    assert [(d["type"], d["size"], d["deviceid"]) for d in disks] == [("ROOT", 20 * GB, 0), ("DATADISK", 5 * GB, 1)]
    root = disks[0]
    assert root["name"] == f"ROOT-{vmid}" and root["vmstate"] == "Running" and root["state"] == "Ready"
    assert root["zoneid"] == "1" and root["account"] == "admin" and "accountid" not in root and "version" not in root
    assert [d["id"] for d in volumes(cloud, type="DATADISK")] == [disks[1]["id"]]
    audit_is_clean()


def test_a_volume_is_created_attached_resized_detached_and_deleted(cloud):
    vmid = deployed(cloud)
    created = cloud.ok(command="createVolume", name="data", zoneid="1", diskofferingid="2", size="3")
    volid = created["id"]
    result = finished(cloud, created["jobid"])
    assert result["jobstatus"] == 1 and result["jobresult"]["volume"]["state"] == "Allocated"
    attach = cloud.ok(command="attachVolume", id=volid, virtualmachineid=vmid)["jobid"]
    volume = finished(cloud, attach)["jobresult"]["volume"]
    assert volume["virtualmachineid"] == vmid and volume["deviceid"] == 1 and volume["state"] == "Ready"
    refused = cloud.call(command="deleteVolume", id=volid)
    assert refused[0] == 431
    resize = cloud.ok(command="resizeVolume", id=volid, size="4")["jobid"]
    assert finished(cloud, resize)["jobresult"]["volume"]["size"] == 4 * GB
    shrink = cloud.call(command="resizeVolume", id=volid, size="2")
    assert shrink[0] == 431 and "shrinkok" in shrink[1]["resizevolumeresponse"]["errortext"]
    detach = cloud.ok(command="detachVolume", id=volid)["jobid"]
    assert "virtualmachineid" not in finished(cloud, detach)["jobresult"]["volume"]
    assert cloud.ok(command="deleteVolume", id=volid)["success"] is True
    assert volumes(cloud, id=volid) == []
    audit_is_clean()


def test_destroy_marks_the_root_volume_and_expunge_deletes_it_and_detaches_data_disks(cloud):
    vmid = deployed(cloud, diskofferingid="1")
    destroy = cloud.ok(command="destroyVirtualMachine", id=vmid)["jobid"]
    finished(cloud, destroy)
    assert [d["state"] for d in volumes(cloud, virtualmachineid=vmid)] == ["Destroy", "Ready"]
    expunge = cloud.ok(command="destroyVirtualMachine", id=vmid, expunge="true")
    finished(cloud, expunge["jobid"])
    left = volumes(cloud)
    assert [(d["type"], d.get("virtualmachineid")) for d in left] == [("DATADISK", None)]
    audit_is_clean()


def test_another_accounts_volume_is_missing(cloud):
    vmid = deployed(cloud, diskofferingid="1")
    alice = tenant(cloud, "alice")
    [root, data] = volumes(cloud, virtualmachineid=vmid)
    assert volumes(cloud, alice["keys"]) == [] and volumes(cloud, alice["keys"], id=root["id"]) == []
    for command in ("detachVolume", "deleteVolume", "resizeVolume"):
        status, body = cloud.call(as_=alice["keys"], command=command, id=data["id"], size="9")
        assert status == 431 and "invalid value" in body[f"{command.lower()}response"]["errortext"]
    alices = deployed(cloud, alice["keys"])
    status, _ = cloud.call(as_=alice["keys"], command="attachVolume", id=data["id"], virtualmachineid=alices)
    assert status == 431
    assert len(volumes(cloud, listall="true")) == 3


@pytest.fixture
def small_storage_cloud(tmp_path):
    data = inventory.read_inventory()
    data["zones"][0]["storagecapacity"] = 45 * GB  # two ROOT volumes of 20 GB, then 5 GB left
    path = tmp_path / "small.json"
    path.write_text(json.dumps(data))
    yield from running_cloud(path)


def test_a_full_zone_refuses_deploys_and_volumes_with_551(small_storage_cloud):
    cloud = small_storage_cloud
    deployed(cloud, startvm="false")
    deployed(cloud, startvm="false")
    third = cloud.deploy(startvm="false")
    failed = finished(cloud, third["jobid"])
    assert failed["jobstatus"] == 2 and failed["jobresultcode"] == 551
    big = cloud.ok(command="createVolume", zoneid="1", diskofferingid="2", size="6")
    refused = finished(cloud, big["jobid"])
    assert refused["jobresultcode"] == 551 and "storage capacity" in refused["jobresult"]["errortext"]
    fits = cloud.ok(command="createVolume", zoneid="1", diskofferingid="2", size="5")
    assert finished(cloud, fits["jobid"])["jobstatus"] == 1
    audit_is_clean()


def test_a_vm_keeps_its_volume_ids_so_its_commands_read_its_volumes_by_key(cloud):
    from chalicelib.runtime.vm_run import volumes_of

    vmid = deployed(cloud, diskofferingid="1")
    root, data = volumes(cloud, virtualmachineid=vmid)
    doc = statetable.get("vm", vmid).as_dict()
    assert doc["volumeids"] == [root["id"], data["id"]] and "volumeids" not in cloud.ok(
        command="listVirtualMachines", id=vmid)["virtualmachine"][0]
    listed = {k: v for k, v in doc.items() if k != "volumeids"}  # a document from before the ids were kept
    assert [v["id"] for v in volumes_of(listed)] == [v["id"] for v in volumes_of(doc)] == [root["id"], data["id"]]
    made = cloud.ok(command="createVolume", name="more", zoneid="1", diskofferingid="1")
    cloud.run_worker()
    finished(cloud, cloud.ok(command="attachVolume", id=made["id"], virtualmachineid=vmid)["jobid"])
    assert statetable.get("vm", vmid).as_dict()["volumeids"] == [root["id"], data["id"], made["id"]]
    finished(cloud, cloud.ok(command="detachVolume", id=data["id"])["jobid"])
    assert statetable.get("vm", vmid).as_dict()["volumeids"] == [root["id"], made["id"]]
    finished(cloud, cloud.ok(command="destroyVirtualMachine", id=vmid, expunge="true")["jobid"])
    assert statetable.get("vm", vmid).as_dict()["volumeids"] == []
    audit_is_clean()
