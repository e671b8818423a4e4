"""Parameters Terraform's CloudStack provider (and CloudStack 4.17+ clients) send, on moto: deploy `group`,
`rootdisksize`, `keypairs`, security/affinity groups (jobledger has none), updateVirtualMachine `name`,
attachVolume `deviceid`, and inventory dates in CloudStack's form."""
from __future__ import annotations

import re

from tests.integration.test_volumes import GB, audit_is_clean, deployed, finished, volumes


def refusal(cloud, **params: str) -> str:
    status, body = cloud.call(**params)
    error = next(iter(body.values()))
    assert (status, error["errorcode"]) == (431, 431), body
    return str(error["errortext"])


def deploy_refusal(cloud, **params: str) -> str:
    return refusal(cloud, command="deployVirtualMachine", zoneid="1", serviceofferingid="1", templateid="1", **params)


def test_deploy_takes_group_rootdisksize_and_keypairs(cloud):
    cloud.ok(command="createSSHKeyPair", name="ops")
    cloud.ok(command="createSSHKeyPair", name="dev")
    vmid = deployed(cloud, group="web", rootdisksize="30", keypairs="ops, dev,ops")
    vm = cloud.ok(command="listVirtualMachines", id=vmid)["virtualmachine"][0]
    assert (vm["group"], vm["keypair"], vm["keypairs"]) == ("web", "ops,dev", "ops,dev")
    [root] = volumes(cloud, virtualmachineid=vmid)
    assert (root["type"], root["size"]) == ("ROOT", 30 * GB)
    audit_is_clean()


def test_deploy_refuses_what_it_cannot_honour_and_writes_nothing(cloud):
    cloud.ok(command="createSSHKeyPair", name="ops")
    cloud.ok(command="createSSHKeyPair", name="dev")
    assert "smaller than the template size 20 GB" in deploy_refusal(cloud, rootdisksize="10")
    assert "rootdisksize" in deploy_refusal(cloud, rootdisksize="2000")
    assert "rootdisksize" in deploy_refusal(cloud, rootdisksize="ten")
    assert "At most 10 SSH key pairs" in deploy_refusal(cloud, keypairs=",".join(f"k{n}" for n in range(11)))
    assert "keypairs" in deploy_refusal(cloud, keypairs="ops,nobody")
    assert "keypairs" in deploy_refusal(cloud, keypairs=" , ")
    assert "keypairs" in deploy_refusal(cloud, keypairs="nobody")
    assert "securitygroupids" in deploy_refusal(cloud, securitygroupids="5")
    assert "affinitygroupnames" in deploy_refusal(cloud, affinitygroupnames="spread")
    assert "group" in deploy_refusal(cloud, group="g" * 256)
    assert cloud.ok(command="listVirtualMachines", listall="true").get("count", 0) == 0
    assert cloud.ok(command="listAsyncJobs", listall="true").get("count", 0) == 0


def test_reset_ssh_key_takes_keypairs_too(cloud):
    cloud.ok(command="createSSHKeyPair", name="ops")
    vmid = deployed(cloud)
    assert finished(cloud, cloud.ok(command="stopVirtualMachine", id=vmid)["jobid"])["jobstatus"] == 1
    job = finished(cloud, cloud.ok(command="resetSSHKeyForVirtualMachine", id=vmid, keypairs="ops")["jobid"])
    assert job["jobstatus"] == 1 and job["jobresult"]["virtualmachine"]["keypairs"] == "ops"
    audit_is_clean()


def test_update_renames_a_stopped_vm_only(cloud):
    vmid = deployed(cloud)
    assert "stop it first" in refusal(cloud, command="updateVirtualMachine", id=vmid, name="web-2")
    assert "valid hostname" in next(iter(cloud.call(command="updateVirtualMachine", id=vmid,
                                                     name="9 lives")[1].values()))["errortext"]
    assert finished(cloud, cloud.ok(command="stopVirtualMachine", id=vmid)["jobid"])["jobstatus"] == 1
    vm = cloud.ok(command="updateVirtualMachine", id=vmid, name="web-2")["virtualmachine"]
    assert vm["name"] == "web-2"
    assert cloud.ok(command="listVirtualMachines", name="web-2")["virtualmachine"][0]["id"] == vmid
    audit_is_clean()


def test_attach_volume_honours_a_free_deviceid(cloud):
    vmid = deployed(cloud)
    ids = [cloud.ok(command="createVolume", name=f"d{n}", zoneid="1", diskofferingid="1")["id"] for n in range(2)]
    cloud.run_worker()
    for wanted, text in (("0", "used by Root device"), ("3", "CD-ROM"), ("16", "1 ~ 15")):
        assert text in refusal(cloud, command="attachVolume", id=ids[0], virtualmachineid=vmid, deviceid=wanted)
    job = finished(cloud, cloud.ok(command="attachVolume", id=ids[0], virtualmachineid=vmid, deviceid="5")["jobid"])
    assert job["jobresult"]["volume"]["deviceid"] == 5
    taken = finished(cloud, cloud.ok(command="attachVolume", id=ids[1], virtualmachineid=vmid,
                                     deviceid="5")["jobid"])
    assert taken["jobstatus"] == 2 and "Device id 5 is already in use" in taken["jobresult"]["errortext"]
    audit_is_clean()


def test_inventory_dates_are_cloudstacks(cloud):
    template = cloud.ok(command="listTemplates", templatefilter="executable")["template"][0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}", template["created"]), template["created"]


def test_deploy_takes_a_free_ipaddress_of_its_network(cloud):
    vmid = deployed(cloud, ipaddress="10.1.1.50")
    vm = cloud.ok(command="listVirtualMachines", id=vmid)["virtualmachine"][0]
    assert vm["nic"][0]["ipaddress"] == "10.1.1.50"
    assert "already in use" in deploy_refusal(cloud, ipaddress="10.1.1.50")
    for wrong, text in (("10.1.2.5", "not in the range"), ("10.1.1.1", "gateway"), ("10.1.1.255", "not in the range"),
                        ("10.1.1.0", "not in the range"), ("fe80::1", "not an IPv4 address"), ("x" * 200, "IPv4")):
        assert text in deploy_refusal(cloud, ipaddress=wrong)
    audit_is_clean()


def test_two_deploys_racing_for_one_address_one_wins_the_other_fails_holding_nothing(cloud):
    first = cloud.deploy(ipaddress="10.1.1.60")  # both accepted: neither job has run yet
    second = cloud.deploy(ipaddress="10.1.1.60")
    cloud.run_worker()
    assert cloud.job(first["jobid"])["jobstatus"] == 1
    lost = cloud.job(second["jobid"])
    assert lost["jobstatus"] == 2 and lost["jobresultcode"] == 431
    assert "IP address 10.1.1.60 is already in use" in lost["jobresult"]["errortext"]
    vm = cloud.ok(command="listVirtualMachines", id=second["id"])["virtualmachine"][0]
    assert vm["state"] == "Error" and "hostid" not in vm
    audit_is_clean()


def test_a_name_is_the_accounts_own_in_its_zone_until_the_vm_is_expunged(cloud):
    from tests.integration.test_audit import tenant

    first = deployed(cloud, name="web")
    assert "already exists" in deploy_refusal(cloud, name="WEB")  # hostnames compare without case
    assert "the system gives" in deploy_refusal(cloud, name="i-2-900-VM")
    alice = tenant(cloud, "alice")
    assert cloud.deploy_as(alice["keys"], name="web")["id"]  # another account's names are its own
    other = deployed(cloud, name="db")
    assert finished(cloud, cloud.ok(command="stopVirtualMachine", id=other)["jobid"])["jobstatus"] == 1
    assert "already exists" in refusal(cloud, command="updateVirtualMachine", id=other, name="web")
    assert cloud.ok(command="updateVirtualMachine", id=other, name="db2")["virtualmachine"]["name"] == "db2"
    deployed(cloud, name="db")  # the old name was given back
    gone = cloud.ok(command="destroyVirtualMachine", id=first, expunge="true")["jobid"]
    assert finished(cloud, gone)["jobstatus"] == 1
    deployed(cloud, name="web")  # an expunged VM's name is free again
    cloud.run_worker()
    audit_is_clean()
