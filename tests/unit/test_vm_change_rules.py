"""The pure rules of the VM-changing commands (core/vm_rules): what each does to a VM document, and when it is
refused."""
from __future__ import annotations

from chalicelib.core import vm_rules

VM = {"id": "100", "state": "Stopped", "displayname": "a", "haenable": False, "serviceofferingid": "1",
      "serviceofferingname": "Small Instance", "cpunumber": 1, "cpuspeed": 500, "memory": 512}
MEDIUM = {"id": "2", "name": "Medium Instance", "cpunumber": 1, "cpuspeed": 1000, "memory": 1024}


def test_update_changes_only_what_is_given():
    assert vm_rules.updated(VM, {}) == VM
    out = vm_rules.updated(VM, {"displayname": "b", "group": "web", "haenable": "TRUE"})
    assert (out["displayname"], out["group"], out["haenable"]) == ("b", "web", True)
    assert vm_rules.update_refusal(VM) is None
    assert "state Expunging" in (vm_rules.update_refusal(dict(VM, state="Expunging")) or "")


def test_offering_change_records_cpu_and_memory_and_keeps_the_rest():
    out = vm_rules.with_offering(VM, MEDIUM)
    assert (out["serviceofferingid"], out["serviceofferingname"], out["cpuspeed"], out["memory"]) == \
        ("2", "Medium Instance", 1000, 1024)
    assert out["displayname"] == "a" and out["state"] == "Stopped"


def test_change_service_needs_stopped_scale_takes_running_and_neither_the_same_offering():
    running = dict(VM, state="Running")
    assert vm_rules.offering_refusal("changeServiceForVirtualMachine", VM, MEDIUM) is None
    assert "make sure the virtual machine is stopped" in (
        vm_rules.offering_refusal("changeServiceForVirtualMachine", running, MEDIUM) or "")
    assert vm_rules.offering_refusal("scaleVirtualMachine", running, MEDIUM) is None
    assert vm_rules.offering_refusal("scaleVirtualMachine", dict(VM, state="Destroyed"), MEDIUM)
    assert "already has" in (vm_rules.offering_refusal("scaleVirtualMachine", VM, dict(MEDIUM, id="1")) or "")
    assert vm_rules.offering_refusal("scaleVirtualMachine", VM, None)


def test_only_a_destroyed_vm_is_recovered():
    assert vm_rules.recover_refusal(dict(VM, state="Destroyed")) is None
    for state in ("Stopped", "Running", "Expunging", "Error"):
        assert vm_rules.recover_refusal(dict(VM, state=state))


def test_a_rename_needs_a_stopped_vm_and_update_takes_the_submitted_user_data_digest():
    assert "stop it first" in (vm_rules.update_refusal(dict(VM, state="Running"), {"name": "b"}) or "")
    assert vm_rules.update_refusal(dict(VM, state="Stopped"), {"name": "b"}) is None
    assert vm_rules.update_refusal(dict(VM, state="Running", name="b"), {"name": "b"}) is None
    out = vm_rules.updated(VM, {"name": "b"}, {"userdatadigest": "d", "userdatabytes": 3, "other": 1})
    assert (out["name"], out["userdatadigest"], out["userdatabytes"]) == ("b", "d", 3) and "other" not in out


def test_migration_needs_a_running_vm_and_another_host_of_its_zone_and_hypervisor():
    running = dict(VM, state="Running", hostid="2", hypervisor="XenServer")
    hosts = [{"id": "2"}, {"id": "3"}]
    assert vm_rules.migrate_refusal(running, "3", hosts) is None
    assert vm_rules.migrate_refusal(running, "", hosts) is None
    assert "not Running" in (vm_rules.migrate_refusal(VM, "3", hosts) or "")
    assert "same as current host" in (vm_rules.migrate_refusal(running, "2", hosts) or "")
    assert "running XenServer" in (vm_rules.migrate_refusal(running, "4", hosts) or "")
    assert "host 3 does not have enough capacity" in vm_rules.migrate_capacity_refusal(running, "3")
