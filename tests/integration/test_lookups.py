"""What clients look up on the way, on moto: networks, OS types, hypervisors, and the empty lists (affinity groups,
security groups, projects), answered to every account and paged; unknown filters answer nothing."""
from __future__ import annotations

from tests.integration.test_audit import tenant


def test_networks_are_the_zones_guest_networks_shaped_as_cloudstack_4(big_cloud):
    listed = big_cloud.ok(command="listNetworks")
    assert listed["count"] == 3 and [n["id"] for n in listed["network"]] == ["205", "206", "305"]
    first = listed["network"][0]
    assert {k: first[k] for k in ("name", "displaytext", "zoneid", "zonename", "cidr", "gateway", "netmask",
                                  "vlan", "broadcasturi", "traffictype", "type", "state", "isdefault",
                                  "canusefordeploy", "issystem", "tags")} == {
        "name": "guest-sjc", "displaytext": "guest-sjc", "zoneid": "1", "zonename": "San Jose 1",
        "cidr": "10.1.1.0/24", "gateway": "10.1.1.1", "netmask": "255.255.255.0", "vlan": "295",
        "broadcasturi": "vlan://295", "traffictype": "Guest", "type": "Shared", "state": "Implemented",
        "isdefault": True, "canusefordeploy": True, "issystem": False, "tags": []}
    assert listed["network"][1]["isdefault"] is False


def test_networks_filter_by_zone_id_keyword_and_flags_and_page(big_cloud):
    def ids(**params: str) -> list[str]:
        return [n["id"] for n in big_cloud.ok(command="listNetworks", **params).get("network", [])]

    assert ids(zoneid="2") == ["305"]
    assert ids(id="206") == ["206"]
    assert ids(keyword="SJC-2") == ["206"]
    assert ids(type="shared", traffictype="guest", canusefordeploy="true") == ["205", "206", "305"]
    assert ids(issystem="true") == [] and ids(type="Isolated") == []
    second = big_cloud.ok(command="listNetworks", page="2", pagesize="2")
    assert second["count"] == 3 and [n["id"] for n in second["network"]] == ["305"]


def test_every_account_sees_the_shared_networks_and_deploys_on_one(big_cloud):
    alice = tenant(big_cloud, "alice")
    assert [n["id"] for n in big_cloud.ok(alice["keys"], command="listNetworks", zoneid="1")["network"]] == \
        ["205", "206"]
    status, body = big_cloud.call(as_=alice["keys"], command="deployVirtualMachine", zoneid="1",
                                  serviceofferingid="1", templateid="1", networkids="206")
    assert status == 200, body


def test_os_types_are_those_the_templates_name(big_cloud):
    listed = big_cloud.ok(command="listOsTypes")
    assert listed == {"count": 2, "ostype": [
        {"id": "12", "description": "CentOS 5.3 (64-bit)", "isuserdefined": False},
        {"id": "99", "description": "Ubuntu 24.04 (64-bit)", "isuserdefined": False}]}
    assert big_cloud.ok(command="listOsTypes", id="99")["ostype"][0]["description"] == "Ubuntu 24.04 (64-bit)"
    assert big_cloud.ok(command="listOsTypes", keyword="centos")["count"] == 1
    assert big_cloud.ok(command="listOsTypes", description="Windows") == {}


def test_hypervisors_are_those_of_the_hosts_per_zone(big_cloud):
    assert big_cloud.ok(command="listHypervisors") == {"count": 2, "hypervisor": [{"name": "KVM"},
                                                                                  {"name": "XenServer"}]}
    assert big_cloud.ok(command="listHypervisors", zoneid="2") == {"count": 1, "hypervisor": [{"name": "XenServer"}]}
    assert big_cloud.call(command="listHypervisors", zoneid="9")[0] == 431


def test_affinity_groups_security_groups_and_projects_are_empty_lists(cloud):
    alice = tenant(cloud, "alice")
    for command in ("listAffinityGroups", "listSecurityGroups", "listProjects"):
        assert cloud.ok(command=command) == {}
        assert cloud.ok(alice["keys"], command=command, listall="true") == {}
