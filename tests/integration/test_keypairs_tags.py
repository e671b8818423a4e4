"""SSH key pairs and tags on moto: shapes, rules, tenancy, and a clean audit replay after using them."""
from __future__ import annotations

import base64
import hashlib

from tests.integration.test_audit import tenant
from tests.integration.test_volumes import audit_is_clean, deployed, finished, volumes

PUBLIC = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGvZ5X3nDkz2O0VbqJ9m0o2jHq6e7O3V6fO8c9v1xQbK user@host")


def md5_colon(public_key: str) -> str:
    digest = hashlib.md5(base64.b64decode(public_key.split()[1])).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, 32, 2))


def test_key_pairs_are_created_registered_listed_used_and_deleted_per_account(cloud):
    created = cloud.ok(command="createSSHKeyPair", name="made")["keypair"]
    assert created["privatekey"].startswith("-----BEGIN RSA PRIVATE KEY-----") and created["name"] == "made"
    registered = cloud.ok(command="registerSSHKeyPair", name="mine", publickey=PUBLIC)["keypair"]
    assert registered == {"name": "mine", "fingerprint": md5_colon(PUBLIC), "account": "admin", "domainid": "1",
                          "domain": "ROOT"}
    listed = cloud.ok(command="listSSHKeyPairs")["sshkeypair"]
    assert sorted(k["name"] for k in listed) == ["made", "mine"] and all("privatekey" not in k for k in listed)
    assert cloud.call(command="registerSSHKeyPair", name="mine", publickey=PUBLIC)[0] == 431
    assert cloud.call(command="registerSSHKeyPair", name="bad", publickey="ssh-rsa AAAA notakey")[0] == 431
    vmid = deployed(cloud, keypair="mine")
    assert cloud.ok(command="listVirtualMachines", id=vmid)["virtualmachine"][0]["keypair"] == "mine"
    alice = tenant(cloud, "alice")
    assert cloud.ok(alice["keys"], command="listSSHKeyPairs") == {}
    assert cloud.call(as_=alice["keys"], command="deployVirtualMachine", zoneid="1", serviceofferingid="1",
                      templateid="1", keypair="mine")[0] == 431
    assert cloud.call(as_=alice["keys"], command="deleteSSHKeyPair", name="mine")[0] == 431
    stop = cloud.ok(command="stopVirtualMachine", id=vmid)["jobid"]
    finished(cloud, stop)
    reset = cloud.ok(command="resetSSHKeyForVirtualMachine", id=vmid, keypair="made")["jobid"]
    assert finished(cloud, reset)["jobresult"]["virtualmachine"]["keypair"] == "made"
    assert cloud.ok(command="deleteSSHKeyPair", name="mine")["success"] is True
    assert [k["name"] for k in cloud.ok(command="listSSHKeyPairs")["sshkeypair"]] == ["made"]
    audit_is_clean()


def test_tags_are_created_listed_filtered_shown_and_deleted(cloud):
    first, second = deployed(cloud, diskofferingid="1"), deployed(cloud)
    job = cloud.ok(command="createTags", resourcetype="UserVm", resourceids=first,
                   **{"tags[0].key": "env", "tags[0].value": "prod", "tags[1].key": "team", "tags[1].value": "a"})
    assert finished(cloud, job["jobid"])["jobstatus"] == 1
    vm = cloud.ok(command="listVirtualMachines", id=first)["virtualmachine"][0]
    assert [(t["key"], t["value"], t["resourcetype"]) for t in vm["tags"]] == [("env", "prod", "UserVm"),
                                                                              ("team", "a", "UserVm")]
    wanted = {"tags[0].key": "env", "tags[0].value": "prod"}
    assert [v["id"] for v in cloud.ok(command="listVirtualMachines", **wanted)["virtualmachine"]] == [first]
    assert cloud.ok(command="listTags", key="team")["tag"][0]["resourceid"] == first
    again = cloud.ok(command="createTags", resourcetype="UserVm", resourceids=first,
                     **{"tags[0].key": "env", "tags[0].value": "dev"})
    assert finished(cloud, again["jobid"])["jobstatus"] == 2
    data = volumes(cloud, type="DATADISK")[0]
    tag_volume = cloud.ok(command="createTags", resourcetype="Volume", resourceids=data["id"],
                          **{"tags[0].key": "disk", "tags[0].value": "x"})
    finished(cloud, tag_volume["jobid"])
    assert volumes(cloud, id=data["id"])[0]["tags"][0]["key"] == "disk"
    alice = tenant(cloud, "alice")
    assert cloud.ok(alice["keys"], command="listTags") == {}
    status, _ = cloud.call(as_=alice["keys"], command="createTags", resourcetype="UserVm", resourceids=second,
                           **{"tags[0].key": "k", "tags[0].value": "v"})
    assert status == 431
    long_key = {"tags[0].key": "k" * 256, "tags[0].value": "v"}
    assert cloud.call(command="createTags", resourcetype="UserVm", resourceids=second, **long_key)[0] == 431
    drop = cloud.ok(command="deleteTags", resourcetype="UserVm", resourceids=first, **{"tags[0].key": "env"})
    finished(cloud, drop["jobid"])
    assert [t["key"] for t in cloud.ok(command="listTags", resourcetype="UserVm")["tag"]] == ["team"]
    everything = cloud.ok(command="deleteTags", resourcetype="UserVm", resourceids=first)
    finished(cloud, everything["jobid"])
    # an untagged VM answers `"tags":[]` as CloudStack 4.x does (Ansible sets tags only on a resource with the key)
    assert cloud.ok(command="listVirtualMachines", id=first)["virtualmachine"][0]["tags"] == []
    audit_is_clean()


def test_an_expunged_vms_tags_go_with_it_and_job_results_show_tags(cloud):
    from tests.integration.test_volumes import audit_is_clean, deployed, finished

    vmid = deployed(cloud)
    tagged = cloud.ok(command="createTags", resourcetype="UserVm", resourceids=vmid, **{"tags[0].key": "role",
                                                                                          "tags[0].value": "web"})
    assert finished(cloud, tagged["jobid"])["jobstatus"] == 1
    stop = finished(cloud, cloud.ok(command="stopVirtualMachine", id=vmid)["jobid"])
    assert [(t["key"], t["value"]) for t in stop["jobresult"]["virtualmachine"]["tags"]] == [("role", "web")]
    gone = finished(cloud, cloud.ok(command="destroyVirtualMachine", id=vmid, expunge="true")["jobid"])
    assert gone["jobstatus"] == 1 and gone["jobresult"]["virtualmachine"]["tags"] == []
    assert cloud.ok(command="listTags", resourceid=vmid).get("count", 0) == 0
    audit_is_clean()
