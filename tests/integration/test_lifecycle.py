"""The VM lifecycle through jobs: capacity and addresses taken and given back with the events that explain them."""
from __future__ import annotations

from chalicelib.aws import statetable
from chalicelib.aws.models import StateRecord

FULL_CPU, FULL_MEMORY = 2500, 3072


def vm_command(cloud, command: str, vmid: str, **extra: str) -> str:
    status, body = cloud.call(command=command, id=vmid, **extra)
    assert status == 200, body
    answer = body[f"{command.lower()}response"]
    assert list(answer) == ["jobid"]
    return answer["jobid"]


def run(cloud, command: str, vmid: str, **extra: str) -> dict:
    jobid = vm_command(cloud, command, vmid, **extra)
    cloud.run_worker()
    return cloud.job(jobid)


def free() -> tuple[int, int]:
    host = statetable.get("host", "2")
    return int(host.free_cpu), int(host.free_memory)


def leases() -> int:
    return len(list(StateRecord.scan(StateRecord.kind == "lease", consistent_read=True)))


def deployed(cloud, **extra: str) -> str:
    vmid = cloud.deploy(**extra)["id"]
    cloud.run_worker()
    return vmid


def test_stop_start_reboot_destroy_move_capacity_and_addresses(cloud):
    vmid = deployed(cloud)
    assert free() == (FULL_CPU - 500, FULL_MEMORY - 512)
    stopped = run(cloud, "stopVirtualMachine", vmid)
    assert stopped["jobstatus"] == 1 and stopped["jobresult"]["virtualmachine"]["state"] == "Stopped"
    assert "hostid" not in stopped["jobresult"]["virtualmachine"]
    assert free() == (FULL_CPU, FULL_MEMORY) and leases() == 1
    started = run(cloud, "startVirtualMachine", vmid)
    assert started["jobresult"]["virtualmachine"]["state"] == "Running"
    assert started["jobresult"]["virtualmachine"]["hostid"] == "2"
    assert free() == (FULL_CPU - 500, FULL_MEMORY - 512)
    rebooted = run(cloud, "rebootVirtualMachine", vmid)
    assert rebooted["jobresult"]["virtualmachine"]["state"] == "Running"
    destroyed = run(cloud, "destroyVirtualMachine", vmid)
    assert destroyed["jobresult"]["virtualmachine"]["state"] == "Destroyed"
    assert free() == (FULL_CPU, FULL_MEMORY) and leases() == 0


def test_a_command_invalid_for_the_state_fails_the_job_with_a_clear_text(cloud):
    vmid = deployed(cloud, startvm="false")
    job = run(cloud, "rebootVirtualMachine", vmid)
    assert job["jobstatus"] == 2 and job["jobresultcode"] == 431
    assert job["jobresult"]["errortext"] == (
        f"Unable to reboot virtual machine id = {vmid} because it is in state Stopped")


def test_expunge_releases_everything(cloud):
    vmid = deployed(cloud)
    job = run(cloud, "destroyVirtualMachine", vmid, expunge="true")
    assert job["jobresult"]["virtualmachine"]["state"] == "Expunging"
    assert free() == (FULL_CPU, FULL_MEMORY) and leases() == 0


def test_starting_without_capacity_fails_with_533(cloud):
    stopped = deployed(cloud, startvm="false")
    for _ in range(5):
        deployed(cloud)
    job = run(cloud, "startVirtualMachine", stopped)
    assert (job["jobstatus"], job["jobresultcode"]) == (2, 533)
    assert job["jobresult"]["errortext"] == f"Unable to start virtual machine id = {stopped} due to not enough capacity"
    assert free() == (0, FULL_MEMORY - 5 * 512)


def test_commands_on_one_vm_apply_in_submission_order(cloud):
    vmid = cloud.deploy()["id"]  # not yet executed: everything below queues behind it
    jobids = [vm_command(cloud, c, vmid) for c in
              ("stopVirtualMachine", "startVirtualMachine", "stopVirtualMachine", "destroyVirtualMachine")]
    cloud.run_worker()
    states = [cloud.job(j)["jobresult"]["virtualmachine"]["state"] for j in jobids]
    assert states == ["Stopped", "Running", "Stopped", "Destroyed"]
    completions = [cloud.job(j)["completed"] for j in ["1", *jobids]]
    assert completions == sorted(completions)
    assert free() == (FULL_CPU, FULL_MEMORY) and leases() == 0


def test_a_failed_deploy_leaves_the_vm_in_error_holding_nothing(cloud):
    for _ in range(6):
        cloud.deploy()
    cloud.run_worker()
    vm = statetable.get("vm", "105").as_dict()
    assert vm["state"] == "Error" and "hostid" not in vm and not vm.get("nic")
    assert run(cloud, "destroyVirtualMachine", "105")["jobresult"]["virtualmachine"]["state"] == "Destroyed"


def test_a_command_on_an_unknown_vm_is_a_431_and_writes_nothing(cloud):
    status, body = cloud.call(command="stopVirtualMachine", id="999")
    assert status == 431
    assert body["stopvirtualmachineresponse"]["errortext"] == (
        "Unable to execute API command stopvirtualmachine due to invalid value 999 for parameter id")
    assert statetable.get("counter", "job") is None
