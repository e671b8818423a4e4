"""deployVirtualMachine's common parameters, and placement across a larger inventory."""
from __future__ import annotations

import base64

from chalicelib.aws import eventlog, statetable
from chalicelib.core.events import job_stream


def test_userdata_is_checked_and_never_logged_in_clear(cloud):
    secret = base64.b64encode(b"#!/bin/sh\necho hunter2\n").decode()
    answer = cloud.deploy(userdata=secret)
    submitted = eventlog.load_stream(job_stream(answer["jobid"]))[0]
    assert secret not in str(submitted.data) and "hunter2" not in str(submitted.data)
    assert statetable.get("vm", answer["id"]).as_dict()["userdatabytes"] == 23


def test_userdata_limits_follow_cloudstack(cloud):
    status, body = cloud.call(command="deployVirtualMachine", zoneid="1", serviceofferingid="1", templateid="1",
                              userdata="not base64!")
    assert status == 431 and body["deployvirtualmachineresponse"]["errortext"] == "User data is not base64 encoded"
    too_long = base64.b64encode(b"x" * 2049).decode()
    status, body = cloud.call(command="deployVirtualMachine", zoneid="1", serviceofferingid="1", templateid="1",
                              userdata=too_long)
    assert status == 431
    assert body["deployvirtualmachineresponse"]["errortext"] == "User data is too long for an http GET request"


def test_userdata_by_post_may_be_up_to_32_kb(cloud):
    from urllib.parse import urlencode

    from tests.integration.conftest import ADMIN_KEY, ADMIN_SECRET, signed

    params = {"command": "deployVirtualMachine", "zoneid": "1", "serviceofferingid": "1", "templateid": "1",
              "userdata": base64.b64encode(b"y" * 30000).decode()}
    reply = cloud.raw([], urlencode(signed(params, ADMIN_KEY, ADMIN_SECRET)).encode(), "POST")
    assert reply.status == 200, reply.body


def test_names_keypair_and_networks_are_honoured(big_cloud):
    big_cloud.ok(command="createSSHKeyPair", name="ops")  # `keypair` must name one of the caller's pairs
    answer = big_cloud.deploy(name="api-1", displayname="API server", keypair="ops", networkids="206")
    big_cloud.run_worker()
    vm = big_cloud.job(answer["jobid"])["jobresult"]["virtualmachine"]
    assert (vm["name"], vm["displayname"], vm["keypair"]) == ("api-1", "API server", "ops")
    assert vm["nic"][0]["networkid"] == "206" and vm["nic"][0]["ipaddress"].startswith("10.1.2.")


def test_invalid_names_and_foreign_networks_are_431(big_cloud):
    for params in ({"name": "1-starts-with-digit"}, {"name": "has space"}, {"networkids": "305"},
                   {"networkids": "999"}, {"hypervisor": "VMware"}, {"startvm": "maybe"}):
        status, body = big_cloud.call(command="deployVirtualMachine", zoneid="1", serviceofferingid="1",
                                      templateid="1", **params)
        assert status == 431, (params, body)
    assert statetable.get("counter", "job") is None


def test_placement_spreads_over_the_least_loaded_hosts_of_the_right_hypervisor(big_cloud):
    xen = [big_cloud.deploy()["id"] for _ in range(3)]
    kvm = big_cloud.deploy(templateid="2")["id"]
    zone2 = big_cloud.deploy(zoneid="2", templateid="3")["id"]
    big_cloud.run_worker()
    hosts = {vmid: statetable.get("vm", vmid).as_dict()["hostid"] for vmid in [*xen, kvm, zone2]}
    assert {hosts[v] for v in xen} == {"3"}  # host 3 has far more free memory than host 2
    assert hosts[kvm] == "4" and hosts[zone2] in ("5", "6")
    assert statetable.get("vm", kvm).as_dict()["hypervisor"] == "KVM"
