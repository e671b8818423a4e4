"""What clients look up on the way, on moto: networks, OS types, hypervisors, and the empty lists (affinity groups,
security groups, projects), answered to every account and paged; unknown filters answer nothing. Capabilities,
users (tenancy as listAccounts, never a secret), a VM's NICs, and the event log derived from the jobs."""
from __future__ import annotations

from chalicelib import settings
from tests.integration import test_tenancy
from tests.integration.test_audit import submit, tenant


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


def test_capabilities_are_cloudstack_4_s_static_answer(cloud):
    alice = tenant(cloud, "alice")
    capability = cloud.ok(alice["keys"], command="listCapabilities")["capability"]
    assert {k: capability[k] for k in ("cloudstackversion", "securitygroupsenabled", "userpublictemplateenabled",
                                       "supportELB", "projectinviterequired", "allowusercreateprojects",
                                       "customdiskofferingmaxsize", "kvmsnapshotenabled")} == {
        "cloudstackversion": "3.0.1.6", "securitygroupsenabled": False, "userpublictemplateenabled": False,
        "supportELB": "false", "projectinviterequired": False, "allowusercreateprojects": False,
        "customdiskofferingmaxsize": 1024, "kvmsnapshotenabled": False}
    limit = settings.load().rate_limit  # the per-key rate, when one is set (the tests' cloud sets none)
    assert capability.get("apilimitmax") == (limit if limit > 0 else None)


def test_users_are_the_callers_own_or_its_domains_and_never_carry_secrets(cloud):
    alice = tenant(cloud, "alice")
    mine = cloud.ok(alice["keys"], command="listUsers")
    assert mine["count"] == 1 and mine["user"][0] == {
        "id": alice["userid"], "username": "alice", "firstname": "alice", "lastname": "T", "email": "alice@x",
        "created": mine["user"][0]["created"], "state": "enabled", "account": "alice", "accounttype": 0,
        "accountid": alice["accountid"], "domainid": "1", "domain": "ROOT"}
    assert cloud.ok(alice["keys"], command="listUsers", listall="true", id="2") == {}  # the admin's: not hers
    everyone = cloud.ok(command="listUsers")
    assert [u["username"] for u in everyone["user"]] == ["admin", "alice"]
    assert not any(k in u for u in everyone["user"] for k in ("apikey", "secretkey", "password"))
    assert [u["username"] for u in cloud.ok(command="listUsers", username="alice")["user"]] == ["alice"]
    assert [u["username"] for u in cloud.ok(command="listUsers", account="admin")["user"]] == ["admin"]
    assert cloud.ok(command="listUsers", state="disabled") == {}
    second = cloud.ok(command="listUsers", page="2", pagesize="1")
    assert second["count"] == 2 and [u["username"] for u in second["user"]] == ["alice"]


def test_a_domain_admin_lists_its_domains_users_and_root_with_listall_lists_all(cloud):
    domain = cloud.ok(command="createDomain", name="Engineering")["domain"]
    boss = test_tenancy.tenant(cloud, "boss", accounttype="2", domainid=domain["id"])
    cloud.ok(boss, command="createAccount", username="dev", password="pw", email="d@x", firstname="d",
             lastname="d")
    assert [u["username"] for u in cloud.ok(boss, command="listUsers")["user"]] == ["boss", "dev"]
    assert [u["username"] for u in cloud.ok(boss, command="listUsers", domainid=domain["id"])["user"]] == \
        ["boss", "dev"]
    assert cloud.call(as_=boss, command="listUsers", domainid="1")[0] == 431  # above its domain
    assert [u["username"] for u in cloud.ok(command="listUsers")["user"]] == ["admin"]  # ROOT only
    assert [u["username"] for u in cloud.ok(command="listUsers", listall="true")["user"]] == \
        ["admin", "boss", "dev"]


def test_nics_are_the_vms_and_another_accounts_vm_is_missing(cloud):
    alice = tenant(cloud, "alice")
    vmid = cloud.deploy()["id"]
    assert cloud.call(command="listNics")[0] == 431
    assert cloud.ok(command="listNics", virtualmachineid=vmid) == {}  # no NIC before it is placed
    cloud.run_worker()
    nics = cloud.ok(command="listNics", virtualmachineid=vmid)
    assert nics["count"] == 1
    nic = nics["nic"][0]
    assert {k: nic[k] for k in ("id", "networkid", "netmask", "gateway", "ipaddress", "traffictype", "type",
                                "isdefault", "virtualmachineid")} == {
        "id": "561", "networkid": "205", "netmask": "255.255.255.0", "gateway": "10.1.1.1",
        "ipaddress": "10.1.1.2", "traffictype": "Guest", "type": "Virtual", "isdefault": True,
        "virtualmachineid": vmid}
    assert cloud.ok(command="listNics", virtualmachineid=vmid, networkid="999") == {}
    assert cloud.ok(command="listNics", virtualmachineid=vmid, nicid="561")["count"] == 1
    assert cloud.call(as_=alice["keys"], command="listNics", virtualmachineid=vmid)[0] == 431
    assert cloud.call(command="listNics", virtualmachineid="999")[0] == 431


def _event_day(cloud) -> dict[str, str]:
    alice = tenant(cloud, "alice")
    submit(cloud, command="deployVirtualMachine", zoneid="1", serviceofferingid="1", templateid="1")
    submit(cloud, as_=alice["keys"], command="deployVirtualMachine", zoneid="1", serviceofferingid="1",
           templateid="1")
    cloud.run_worker()
    submit(cloud, command="stopVirtualMachine", id="100")
    cloud.run_worker()
    submit(cloud, command="rebootVirtualMachine", id="100")  # fails: the VM is stopped
    cloud.run_worker()
    submit(cloud, command="startVirtualMachine", id="100")  # left pending: no event yet
    return {"alice": alice}


def test_events_are_the_finished_jobs_newest_first_with_cloudstack_types(cloud):
    _event_day(cloud)
    events = cloud.ok(command="listEvents")
    assert events["count"] == 3
    assert [(e["type"], e["level"]) for e in events["event"]] == [
        ("VM.REBOOT", "ERROR"), ("VM.STOP", "INFO"), ("VM.CREATE", "INFO")]
    stop = events["event"][1]
    assert {k: stop[k] for k in ("username", "account", "domainid", "domain", "state", "description",
                                 "resourceid", "resourcetype")} == {
        "username": "admin", "account": "admin", "domainid": "1", "domain": "ROOT", "state": "Completed",
        "description": "Successfully completed stopping Vm. Vm Id: 100", "resourceid": "100",
        "resourcetype": "VirtualMachine"}
    assert events["event"][0]["description"].startswith("Error while rebooting Vm. Vm Id: 100 (")
    assert stop["created"].endswith("+0000")
    everything = cloud.ok(command="listEvents", listall="true")
    assert everything["count"] == 4 and {e["account"] for e in everything["event"]} == {"admin", "alice"}


def test_events_filter_by_type_level_keyword_dates_and_page_in_the_callers_tenancy(cloud):
    day = _event_day(cloud)
    mine = cloud.ok(day["alice"]["keys"], command="listEvents", listall="true")
    assert mine["count"] == 1 and mine["event"][0]["username"] == "alice"
    assert [e["type"] for e in cloud.ok(command="listEvents", type="vm.stop")["event"]] == ["VM.STOP"]
    assert [e["type"] for e in cloud.ok(command="listEvents", level="ERROR")["event"]] == ["VM.REBOOT"]
    assert cloud.call(command="listEvents", level="LOUD")[0] == 431
    assert [e["type"] for e in cloud.ok(command="listEvents", keyword="deploying")["event"]] == ["VM.CREATE"]
    assert cloud.ok(command="listEvents", startdate="2999-01-01") == {}
    assert cloud.ok(command="listEvents", enddate="2000-01-01") == {}
    assert cloud.ok(command="listEvents", startdate="2000-01-01", enddate="2999-01-01")["count"] == 3
    second = cloud.ok(command="listEvents", page="2", pagesize="2")
    assert second["count"] == 3 and [e["type"] for e in second["event"]] == ["VM.CREATE"]
    assert cloud.call(command="listEvents", startdate="yesterday")[0] == 431
