"""listPods and listClusters (root admin only) from the inventory's hosts, and the placement listHosts shows."""
from __future__ import annotations

from tests.integration.test_audit import tenant


def test_the_default_zone_has_one_pod_and_one_cluster_that_its_host_is_in(cloud):
    [pod] = cloud.ok(command="listPods")["pod"]
    assert pod == {"id": "1", "name": "San Jose 1 pod", "zoneid": "1", "zonename": "San Jose 1",
                   "allocationstate": "Enabled"}
    [cluster] = cloud.ok(command="listClusters", zoneid="1")["cluster"]
    assert (cluster["id"], cluster["podid"], cluster["hypervisortype"], cluster["clustertype"]) == \
        ("1-xenserver", "1", "XenServer", "CloudManaged")
    host = cloud.ok(command="listHosts")["host"][0]
    assert (host["podid"], host["podname"], host["clusterid"], host["clustername"]) == \
        ("1", "San Jose 1 pod", "1-xenserver", "San Jose 1 XenServer cluster")
    assert cloud.ok(command="listPods", zoneid="9") == {}
    assert cloud.ok(command="listClusters", podid="9") == {}
    assert cloud.ok(command="listClusters", name="San Jose 1 XenServer cluster")["count"] == 1


def test_a_cluster_runs_one_hypervisor(big_cloud):
    clusters = big_cloud.ok(command="listClusters", zoneid="1")["cluster"]
    assert sorted((c["id"], c["hypervisortype"]) for c in clusters) == [("1-kvm", "KVM"), ("1-xenserver", "XenServer")]
    assert [c["id"] for c in big_cloud.ok(command="listClusters", hypervisor="kvm")["cluster"]] == ["1-kvm"]


def test_accounts_cannot_list_pods_or_clusters(cloud):
    alice = tenant(cloud, "alice")
    for command in ("listPods", "listClusters"):
        assert cloud.call(as_=alice["keys"], command=command)[0] == 432
