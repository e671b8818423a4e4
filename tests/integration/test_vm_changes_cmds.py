"""updateVirtualMachine, changeServiceForVirtualMachine, scaleVirtualMachine, recoverVirtualMachine on moto:
shapes, state rules, capacity, tenancy, and a clean audit replay after using them. The first, second and fourth
answer synchronously, as in CloudStack (the API runs their job in the request); scale answers a job id."""
from __future__ import annotations

from typing import Any

from chalicelib.runtime import inline
from tests.integration.test_audit import tenant
from tests.integration.test_volumes import audit_is_clean, deployed, finished, volumes


def run(cloud, as_: Any = None, **params: str) -> dict[str, Any]:
    """Submit a VM change, let the worker run it, answer the finished job."""
    reply = cloud.ok(as_, **params)
    assert set(reply) == {"jobid"}
    return finished(cloud, reply["jobid"], as_)


def sync(cloud, as_: Any = None, **params: str) -> dict[str, Any]:
    """A sync VM change that must succeed: its `virtualmachine`, and its job recorded and finished."""
    reply = cloud.ok(as_, **params)
    assert set(reply) == {"virtualmachine"}, reply
    jobs = cloud.ok(as_, command="listAsyncJobs", listall="true")["asyncjobs"]
    newest = max(jobs, key=lambda j: int(j["jobid"]))
    assert (newest["cmd"], newest["jobstatus"]) == (params["command"], 1)
    return dict(reply["virtualmachine"])


def refused(cloud, text: str, **params: str) -> None:
    """A sync VM change refused in its job: the command's own error response, 431, with `text`."""
    status, body = cloud.call(**params)
    error = next(iter(body.values()))
    assert (status, error["errorcode"]) == (431, 431) and text in error["errortext"], body


def stopped(cloud, vmid: str) -> None:
    assert run(cloud, command="stopVirtualMachine", id=vmid)["jobstatus"] == 1


def host_free(cloud) -> tuple[int, int]:
    """The host's free CPU (MHz) and memory (MB)."""
    host = cloud.ok(command="listHosts")["host"][0]
    total_cpu = host["cpunumber"] * host["cpuspeed"]
    return total_cpu - host["cpuallocatedvalue"], (host["memorytotal"] - host["memoryallocated"]) // 2**20  # MB


def test_update_sets_displayname_group_and_haenable_in_any_live_state(cloud):
    vmid = deployed(cloud)
    vm = sync(cloud, command="updateVirtualMachine", id=vmid, displayname="web one", group="web", haenable="true")
    assert (vm["displayname"], vm["group"], vm["haenable"], vm["state"]) == ("web one", "web", True, "Running")
    listed = cloud.ok(command="listVirtualMachines", id=vmid)["virtualmachine"][0]
    assert (listed["displayname"], listed["group"], listed["haenable"]) == ("web one", "web", True)
    again = sync(cloud, command="updateVirtualMachine", id=vmid, haenable="false")
    assert (again["displayname"], again["group"], again["haenable"]) == ("web one", "web", False)
    assert cloud.call(command="updateVirtualMachine", id=vmid, haenable="maybe")[0] == 431
    assert cloud.call(command="updateVirtualMachine", id=vmid, displayname="x" * 256)[0] == 431
    assert cloud.call(command="updateVirtualMachine")[0] == 431
    audit_is_clean()


def test_change_service_needs_a_stopped_vm_and_records_the_new_offering_without_touching_capacity(cloud):
    vmid = deployed(cloud)
    refused(cloud, "make sure the virtual machine is stopped", command="changeServiceForVirtualMachine", id=vmid,
            serviceofferingid="2")
    stopped(cloud, vmid)
    free = host_free(cloud)
    vm = sync(cloud, command="changeServiceForVirtualMachine", id=vmid, serviceofferingid="2")
    assert (vm["serviceofferingid"], vm["serviceofferingname"], vm["cpunumber"], vm["cpuspeed"], vm["memory"],
            vm["state"]) == ("2", "Medium Instance", 1, 1000, 1024, "Stopped")
    assert host_free(cloud) == free
    refused(cloud, "already has the requested service offering", command="changeServiceForVirtualMachine", id=vmid,
            serviceofferingid="2")
    assert cloud.call(command="changeServiceForVirtualMachine", id=vmid, serviceofferingid="99")[0] == 431
    assert cloud.call(command="changeServiceForVirtualMachine", id=vmid)[0] == 431
    started = run(cloud, command="startVirtualMachine", id=vmid)
    assert started["jobstatus"] == 1 and host_free(cloud) == (free[0] - 1000, free[1] - 1024)
    audit_is_clean()


def test_scale_moves_a_running_vms_capacity_on_its_host_and_refuses_without_room(cloud):
    vmids = [deployed(cloud) for _ in range(4)]  # 4 x 500 MHz of the host's 2500: 500 MHz free
    free = host_free(cloud)
    vm = run(cloud, command="scaleVirtualMachine", id=vmids[0], serviceofferingid="2")["jobresult"]["virtualmachine"]
    assert (vm["state"], vm["serviceofferingid"], vm["cpuspeed"], vm["memory"]) == ("Running", "2", 1000, 1024)
    assert host_free(cloud) == (free[0] - 500, free[1] - 512)
    refusal = run(cloud, command="scaleVirtualMachine", id=vmids[1], serviceofferingid="2")
    assert refusal["jobstatus"] == 2 and refusal["jobresult"]["errorcode"] == 431
    assert "not enough capacity" in refusal["jobresult"]["errortext"]
    assert cloud.ok(command="listVirtualMachines", id=vmids[1])["virtualmachine"][0]["serviceofferingid"] == "1"
    assert host_free(cloud) == (free[0] - 500, free[1] - 512)
    down = run(cloud, command="scaleVirtualMachine", id=vmids[0], serviceofferingid="1")
    assert down["jobstatus"] == 1 and host_free(cloud) == free
    stopped(cloud, vmids[2])
    cold = run(cloud, command="scaleVirtualMachine", id=vmids[2], serviceofferingid="2")["jobresult"]
    assert cold["virtualmachine"]["state"] == "Stopped" and cold["virtualmachine"]["memory"] == 1024
    audit_is_clean()


def test_recover_brings_a_destroyed_vm_back_stopped_with_its_root_volume(cloud):
    vmid = deployed(cloud)
    refused(cloud, "", command="recoverVirtualMachine", id=vmid)
    assert run(cloud, command="destroyVirtualMachine", id=vmid)["jobstatus"] == 1
    assert volumes(cloud, virtualmachineid=vmid)[0]["state"] == "Destroy"
    vm = sync(cloud, command="recoverVirtualMachine", id=vmid)
    assert vm["state"] == "Stopped" and "hostid" not in vm and len(vm["nic"]) == 1 and vm["nic"][0]["ipaddress"]
    assert volumes(cloud, virtualmachineid=vmid)[0]["state"] == "Ready"
    again = run(cloud, command="startVirtualMachine", id=vmid)["jobresult"]["virtualmachine"]
    assert again["state"] == "Running" and again["nic"] == vm["nic"]
    gone = deployed(cloud)
    assert run(cloud, command="destroyVirtualMachine", id=gone, expunge="true")["jobstatus"] == 1
    refused(cloud, "state Expunging", command="recoverVirtualMachine", id=gone)
    audit_is_clean()


def test_another_accounts_vm_reads_as_missing_and_nothing_is_written(cloud):
    vmid = deployed(cloud)
    alice = tenant(cloud, "alice")
    jobs_before = cloud.ok(command="listAsyncJobs", listall="true").get("count", 0)
    for params in ({"command": "updateVirtualMachine", "displayname": "x"},
                   {"command": "changeServiceForVirtualMachine", "serviceofferingid": "2"},
                   {"command": "scaleVirtualMachine", "serviceofferingid": "2"},
                   {"command": "recoverVirtualMachine"}):
        status, body = cloud.call(as_=alice["keys"], id=vmid, **params)
        assert status == 431, body
    assert cloud.ok(command="listAsyncJobs", listall="true").get("count", 0) == jobs_before
    own = deployed(cloud, alice["keys"])
    assert sync(cloud, alice["keys"], command="updateVirtualMachine", id=own, group="mine")["group"] == "mine"
    audit_is_clean()


def test_a_sync_change_behind_an_earlier_job_waits_for_its_turn(cloud, monkeypatch):
    """The earlier job holds the VM's turn: the request waits (here the 'sleep' lets a worker run the queue)
    and answers the change once the worker has run it in its turn."""
    vmid = deployed(cloud)
    stopping = cloud.ok(command="stopVirtualMachine", id=vmid)["jobid"]
    monkeypatch.setattr(inline.time, "sleep", lambda seconds: cloud.run_worker())
    vm = sync(cloud, command="updateVirtualMachine", id=vmid, displayname="later")
    assert (vm["displayname"], vm["state"]) == ("later", "Stopped")
    assert cloud.job(stopping)["jobstatus"] == 1
    audit_is_clean()


def test_a_sync_change_still_queued_at_the_deadline_answers_530_and_is_not_lost(cloud, monkeypatch):
    vmid = deployed(cloud)
    jobid = cloud.ok(command="stopVirtualMachine", id=vmid)["jobid"]  # not run: it holds the VM's turn
    monkeypatch.setattr(inline, "SYNC_WAIT_SECONDS", 0.2)
    status, body = cloud.call(command="updateVirtualMachine", id=vmid, group="g")
    error = body["updatevirtualmachineresponse"]
    assert (status, error["errorcode"]) == (530, 530) and "still waiting" in error["errortext"]
    update = str(int(jobid) + 1)
    assert f"Job {update} " in error["errortext"] and cloud.job(update)["jobstatus"] == 0
    cloud.run_worker()  # the earlier job ends, then the change runs in its turn
    assert cloud.job(jobid)["jobstatus"] == 1
    done = cloud.job(update)
    assert done["jobstatus"] == 1 and done["jobresult"]["virtualmachine"]["group"] == "g"
    audit_is_clean()


def host_rows(cloud) -> dict[str, tuple[int, int]]:
    return {h["id"]: (h["cpuallocatedvalue"], h["memoryallocated"]) for h in cloud.ok(command="listHosts")["host"]}


def test_migrate_moves_a_running_vms_capacity_to_another_host_of_its_zone_and_hypervisor(big_cloud):
    cloud = big_cloud
    vmid = deployed(cloud, zoneid="1", templateid="1")
    vm = cloud.ok(command="listVirtualMachines", id=vmid)["virtualmachine"][0]
    source = vm["hostid"]
    target = "2" if source == "3" else "3"  # zone 1's XenServer hosts
    before = host_rows(cloud)
    moved = run(cloud, command="migrateVirtualMachine", virtualmachineid=vmid, hostid=target)
    assert moved["jobstatus"] == 1 and moved["jobresult"]["virtualmachine"]["hostid"] == target
    after = host_rows(cloud)
    assert after[source][0] == before[source][0] - 500 and after[target][0] == before[target][0] + 500
    same = run(cloud, command="migrateVirtualMachine", virtualmachineid=vmid, hostid=target)
    assert same["jobstatus"] == 2 and "same as current host" in same["jobresult"]["errortext"]
    kvm = run(cloud, command="migrateVirtualMachine", virtualmachineid=vmid, hostid="4")
    assert kvm["jobstatus"] == 2 and "running XenServer" in kvm["jobresult"]["errortext"]
    back = run(cloud, command="migrateVirtualMachine", virtualmachineid=vmid)  # the other host, chosen
    assert back["jobstatus"] == 1 and back["jobresult"]["virtualmachine"]["hostid"] == source
    assert cloud.call(command="migrateVirtualMachine", virtualmachineid=vmid, hostid="99")[0] == 431
    stopped(cloud, vmid)
    idle = run(cloud, command="migrateVirtualMachine", virtualmachineid=vmid, hostid=target)
    assert idle["jobstatus"] == 2 and "VM is not Running" in idle["jobresult"]["errortext"]
    assert host_rows(cloud)[source][0] == before[source][0] - 500  # stopped on its first host: nothing held
    alice = tenant(cloud, "alice")
    assert cloud.call(as_=alice["keys"], command="migrateVirtualMachine", virtualmachineid=vmid)[0] == 432
    audit_is_clean()


def test_a_sync_change_whose_inline_run_fails_goes_to_the_workers(cloud, monkeypatch):
    vmid = deployed(cloud)

    def broken(*args, **kwargs):
        raise RuntimeError("the API's run died")

    monkeypatch.setattr(inline.worker, "run_job", broken)
    monkeypatch.setattr(inline, "SYNC_WAIT_SECONDS", 0.1)
    status, _ = cloud.call(command="updateVirtualMachine", id=vmid, group="later")
    assert status == 530
    monkeypatch.undo()
    cloud.run_worker()  # the message was sent: a worker ends the job
    assert cloud.ok(command="listVirtualMachines", id=vmid)["virtualmachine"][0]["group"] == "later"
    audit_is_clean()
