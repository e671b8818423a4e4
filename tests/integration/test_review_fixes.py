"""What a review found, each fixed and held here: tags on expunged resources, a full network, a renamed VM's
volumes, the user data of an expunged VM, the simulated delay on record-only changes."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest

from chalicelib.runtime import worker
from jobledger import inventory
from tests.harness import running_cloud
from tests.integration.conftest import ADMIN_KEY, ADMIN_SECRET
from tests.integration.test_volumes import audit_is_clean, deployed, finished, volumes


def tag(cloud, rtype: str, rid: str, key: str = "env") -> dict[str, Any]:
    return cloud.call(command="createTags", resourcetype=rtype, resourceids=rid,
                      **{"tags[0].key": key, "tags[0].value": "x"})[1]["createtagsresponse"]


@pytest.fixture
def small_cloud(tmp_path: Path) -> Iterator[Any]:
    """The default inventory with a /29 guest network: five addresses (the gateway is .1)."""
    data = json.loads(inventory.DEFAULT_PATH.read_text(encoding="utf-8"))
    data["networks"][0]["cidr"] = "10.1.1.0/29"
    path = tmp_path / "small.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with running_cloud((ADMIN_KEY, ADMIN_SECRET), path) as cloud:
        yield cloud


def test_an_expunged_vm_and_its_expunged_volumes_take_no_tags_and_lose_theirs(cloud):
    vmid = deployed(cloud)
    [root] = volumes(cloud, virtualmachineid=vmid)
    assert finished(cloud, tag(cloud, "Volume", root["id"])["jobid"])["jobstatus"] == 1
    late = tag(cloud, "UserVm", vmid)["jobid"]  # accepted now, run after the expunge
    gone = cloud.ok(command="destroyVirtualMachine", id=vmid, expunge="true")["jobid"]
    cloud.run_worker()
    assert cloud.job(gone)["jobstatus"] == 1
    assert cloud.ok(command="listTags", listall="true") == {}  # the ROOT volume's tag went with it
    if cloud.job(late)["jobstatus"] == 2:  # ran after the expunge: refused in its turn
        assert "Unable to find resource" in cloud.job(late)["jobresult"]["errortext"]
    assert tag(cloud, "UserVm", vmid)["errorcode"] == 431
    assert tag(cloud, "Volume", root["id"])["errorcode"] == 431
    audit_is_clean()


def test_a_deleted_volumes_tags_go_with_it(cloud):
    made = cloud.ok(command="createVolume", name="d", zoneid="1", diskofferingid="1")
    cloud.run_worker()
    assert finished(cloud, tag(cloud, "Volume", made["id"])["jobid"])["jobstatus"] == 1
    assert cloud.ok(command="deleteVolume", id=made["id"])["success"] is True
    assert cloud.ok(command="listTags", listall="true") == {}
    audit_is_clean()


def test_a_full_network_fails_deploy_and_recover_with_533_at_once(small_cloud):
    cloud = small_cloud
    vmids = [deployed(cloud, startvm="false") for _ in range(5)]  # every address of the /29 leased
    full = cloud.deploy(startvm="false")
    cloud.run_worker()
    failed = cloud.job(full["jobid"])
    assert (failed["jobstatus"], failed["jobresultcode"]) == (2, 533)
    assert "insufficient address capacity in network guest" in failed["jobresult"]["errortext"]
    assert finished(cloud, cloud.ok(command="destroyVirtualMachine", id=vmids[0])["jobid"])["jobstatus"] == 1
    deployed(cloud, startvm="false")  # takes the address the destroyed VM gave back
    status, body = cloud.call(command="recoverVirtualMachine", id=vmids[0])
    error = body["recovervirtualmachineresponse"]
    assert (status, error["errorcode"]) == (533, 533) and "insufficient address capacity" in error["errortext"]
    assert cloud.ok(command="listVirtualMachines", id=vmids[0])["virtualmachine"][0]["state"] == "Destroyed"
    audit_is_clean()


def test_a_renamed_vms_volumes_show_its_new_names(cloud):
    vmid = deployed(cloud, diskofferingid="1")
    assert finished(cloud, cloud.ok(command="stopVirtualMachine", id=vmid)["jobid"])["jobstatus"] == 1
    cloud.ok(command="updateVirtualMachine", id=vmid, name="db-1", displayname="Database")
    assert {(v["vmname"], v["vmdisplayname"]) for v in volumes(cloud, virtualmachineid=vmid)} == {("db-1", "Database")}
    audit_is_clean()


def test_an_expunged_vms_user_data_reads_as_missing(cloud):
    vmid = deployed(cloud, userdata="aGk=")
    expunge = cloud.ok(command="destroyVirtualMachine", id=vmid, expunge="true")["jobid"]
    assert finished(cloud, expunge)["jobstatus"] == 1
    assert cloud.call(command="getVirtualMachineUserData", virtualmachineid=vmid)[0] == 431


def test_record_only_changes_skip_the_simulated_hypervisor_delay(cloud, monkeypatch):
    vmid = deployed(cloud)
    monkeypatch.setenv("JOBLEDGER_PROVISION_SECONDS", "30")
    slept: list[float] = []

    def sleep(seconds: float) -> None:  # the workers' simulated delays are recorded, the API's polls run them
        if seconds < 1:
            cloud.run_worker()
        else:
            slept.append(seconds)

    monkeypatch.setattr(worker.time, "sleep", sleep)  # the one `time` module: inline's polls come here too
    stop = cloud.ok(command="stopVirtualMachine", id=vmid)["jobid"]
    cloud.ok(command="updateVirtualMachine", id=vmid, displayname="x")  # waits behind the stop, then runs
    assert cloud.job(stop)["jobstatus"] == 1 and slept == [30.0]  # the stop's delay only
