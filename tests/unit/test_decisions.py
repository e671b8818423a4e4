"""The worker's decisions alone, from snapshots: the deploy placement and each lifecycle command's plan."""
from __future__ import annotations

import pytest

from chalicelib.core import effects as fx
from chalicelib.core.placement import HostLoad, decide_deploy
from chalicelib.core.vm_rules import INVALID_STATE, plan

NETWORK = {"id": "205", "cidr": "10.1.1.0/24", "gateway": "10.1.1.1", "vlan": "295", "isdefault": True}
VM = {"id": "100", "state": "Starting", "cpunumber": 1, "cpuspeed": 500, "memory": 512, "hypervisor": "XenServer",
      "zoneid": "1"}


def host(id_: str, cpu: int, memory: int) -> HostLoad:
    return HostLoad({"id": id_, "name": f"h{id_}", "hypervisor": "XenServer"}, cpu, memory)


def test_a_started_deploy_takes_the_least_loaded_host_and_leases_its_address():
    decision = decide_deploy(VM, [host("2", 2500, 2048), host("3", 2500, 4096)], NETWORK, "10.1.1.2", "561", True)
    assert decision.error is None
    assert (decision.final["state"], decision.final["hostid"]) == ("Running", "3")
    assert decision.final["nic"][0]["ipaddress"] == "10.1.1.2" and decision.final["nic"][0]["id"] == "561"
    assert decision.effects == [fx.LeaseIp("205", "10.1.1.2", "100"), fx.ReserveCapacity("3", 500, 512)]


def test_a_deploy_without_room_fails_551_in_error_holding_nothing():
    decision = decide_deploy(VM, [host("2", 499, 4096)], NETWORK, "10.1.1.2", "561", True)
    assert decision.error == (551, "Unable to deploy virtual machine id = 100 due to not enough capacity")
    assert decision.final["state"] == "Error" and decision.effects == [] and "hostid" not in decision.final


def test_startvm_false_leases_an_address_but_takes_no_host():
    decision = decide_deploy(VM, [], NETWORK, "10.1.1.9", "562", False)
    assert decision.final["state"] == "Stopped" and "hostid" not in decision.final
    assert decision.effects == [fx.LeaseIp("205", "10.1.1.9", "100")]


@pytest.mark.parametrize("command,state,expected", [
    ("startVirtualMachine", "Stopped", ("Running", True, False, False)),
    ("stopVirtualMachine", "Running", ("Stopped", False, True, False)),
    ("rebootVirtualMachine", "Running", ("Running", False, False, False)),
    ("destroyVirtualMachine", "Running", ("Destroyed", False, True, True)),
    ("destroyVirtualMachine", "Stopped", ("Destroyed", False, False, True)),
    ("destroyVirtualMachine", "Error", ("Destroyed", False, False, False)),
])
def test_each_command_plans_its_state_and_what_it_takes_or_gives_back(command, state, expected):
    p = plan(command, {"id": "100", "state": state}, {})
    assert (p.state, p.take_host, p.free_host, p.free_ip) == expected and p.error is None


def test_expunge_frees_the_addresses_and_ends_expunging():
    p = plan("destroyVirtualMachine", {"id": "100", "state": "Running"}, {"expunge": "true"})
    assert (p.state, p.free_host, p.free_ip) == ("Expunging", True, True)


@pytest.mark.parametrize("command,state", [("rebootVirtualMachine", "Stopped"), ("startVirtualMachine", "Destroyed"),
                                           ("stopVirtualMachine", "Expunging"), ("rebootVirtualMachine", "Error")])
def test_a_command_invalid_for_the_state_is_refused_with_431(command, state):
    p = plan(command, {"id": "100", "state": state}, {})
    verb = command.replace("VirtualMachine", "")
    assert p.error == (INVALID_STATE, f"Unable to {verb} virtual machine id = 100 because it is in state {state}")
