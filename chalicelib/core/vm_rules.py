"""What each lifecycle command does to a VM in each state (CloudStack's state machine). Pure."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

INVALID_STATE = 431
START_CAPACITY_ERROR = 533


@dataclass(frozen=True)
class Plan:
    """The outcome a command plans: the VM's final state and what it takes or gives back.

    `error` set means the command is refused for the VM's state; the job fails with that code and text.
    """

    state: str | None = None
    take_host: bool = False
    free_host: bool = False
    free_ip: bool = False
    error: tuple[int, str] | None = None


def plan(command: str, vm: Mapping[str, Any], params: Mapping[str, str]) -> Plan:
    current = vm["state"]
    rule = _RULES.get((command, current))
    if rule is None:
        return Plan(error=(INVALID_STATE, refusal(command, vm)))
    if command == "destroyVirtualMachine" and params.get("expunge", "").lower() == "true":
        return Plan(state="Expunging", free_host=rule.free_host, free_ip=True)
    return rule


def refusal(command: str, vm: Mapping[str, Any]) -> str:
    verb = _VERBS[command]
    return f"Unable to {verb} virtual machine id = {vm['id']} because it is in state {vm['state']}"


def capacity_refusal(vmid: str) -> str:
    return f"Unable to start virtual machine id = {vmid} due to not enough capacity"


_VERBS = {"startVirtualMachine": "start", "stopVirtualMachine": "stop", "rebootVirtualMachine": "reboot",
          "destroyVirtualMachine": "destroy"}

_RULES: dict[tuple[str, str], Plan] = {
    ("startVirtualMachine", "Stopped"): Plan(state="Running", take_host=True),
    ("startVirtualMachine", "Running"): Plan(state="Running"),
    ("stopVirtualMachine", "Running"): Plan(state="Stopped", free_host=True),
    ("stopVirtualMachine", "Stopped"): Plan(state="Stopped"),
    ("rebootVirtualMachine", "Running"): Plan(state="Running"),
    ("destroyVirtualMachine", "Running"): Plan(state="Destroyed", free_host=True, free_ip=True),
    ("destroyVirtualMachine", "Stopped"): Plan(state="Destroyed", free_ip=True),
    ("destroyVirtualMachine", "Error"): Plan(state="Destroyed"),
    ("destroyVirtualMachine", "Destroyed"): Plan(state="Destroyed"),
    ("destroyVirtualMachine", "Expunging"): Plan(state="Expunging"),
}


# Changing a VM in its turn: updateVirtualMachine, changeServiceForVirtualMachine, scaleVirtualMachine,
# recoverVirtualMachine. Each returns the VM's next document, or a refusal (the job fails with 431).

UPDATABLE_STATES = ("Stopped", "Running", "Starting", "Stopping", "Error")


def updated(vm: Mapping[str, Any], params: Mapping[str, str],
            submitted: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """updateVirtualMachine: displayname, group, haenable, and the new user data's size and digest that the
    job's JobSubmitted recorded; absent parameters leave the VM as it is."""
    out = dict(vm)
    if params.get("name"):
        out["name"] = params["name"]
    given = submitted or {}
    for name in ("userdatabytes", "userdatadigest"):
        if given.get(name) is not None:
            out[name] = given[name]
    if params.get("displayname"):
        out["displayname"] = params["displayname"]
    if params.get("group"):
        out["group"] = params["group"]
    if params.get("haenable"):
        out["haenable"] = params["haenable"].lower() == "true"
    return out


def update_refusal(vm: Mapping[str, Any], params: Mapping[str, str] | None = None) -> str | None:
    if vm["state"] not in UPDATABLE_STATES:
        return f"Unable to update virtual machine id = {vm['id']} because it is in state {vm['state']}"
    name = (params or {}).get("name")
    if name and name != vm.get("name") and vm["state"] != "Stopped":
        return f"Unable to change the name of virtual machine id = {vm['id']}: stop it first (state {vm['state']})"
    return None


def with_offering(vm: Mapping[str, Any], offering: Mapping[str, Any]) -> dict[str, Any]:
    """The VM with the service offering's name, CPU and memory (what it holds on a host while Running)."""
    return dict(vm, serviceofferingid=str(offering["id"]), serviceofferingname=offering["name"],
                cpunumber=int(offering["cpunumber"]), cpuspeed=int(offering["cpuspeed"]),
                memory=int(offering["memory"]))


def offering_refusal(command: str, vm: Mapping[str, Any], offering: Mapping[str, Any] | None) -> str | None:
    """changeServiceForVirtualMachine needs a Stopped VM; scaleVirtualMachine a Stopped or Running one; both a
    different offering that exists."""
    if offering is None:
        return "Unable to find service offering"
    if str(offering["id"]) == str(vm["serviceofferingid"]):
        return (f"Not upgrading vm id = {vm['id']} since it already has the requested service offering "
                f"({offering['name']})")
    allowed = ("Stopped",) if command == "changeServiceForVirtualMachine" else ("Stopped", "Running")
    if vm["state"] not in allowed:
        if command == "changeServiceForVirtualMachine":
            return (f"Unable to upgrade virtual machine id = {vm['id']} in state {vm['state']}; make sure the "
                    "virtual machine is stopped")
        return f"Unable to scale virtual machine id = {vm['id']} because it is in state {vm['state']}"
    return None


def scale_capacity_refusal(vmid: str) -> str:
    return f"Unable to scale virtual machine id = {vmid} due to not enough capacity on its host"


def recover_refusal(vm: Mapping[str, Any]) -> str | None:
    """Only a Destroyed VM (not yet Expunging) comes back."""
    if vm["state"] == "Destroyed":
        return None
    return f"Unable to recover virtual machine id = {vm['id']} because it is in state {vm['state']}"


def migrate_refusal(vm: Mapping[str, Any], hostid: str, hosts: Sequence[Mapping[str, Any]]) -> str | None:
    """migrateVirtualMachine: a Running VM, to a host of its zone and hypervisor (`hosts`) other than its own."""
    if vm["state"] != "Running" or not vm.get("hostid"):
        return f"VM is not Running, unable to migrate the vm id = {vm['id']} (state {vm['state']})"
    if hostid and hostid == str(vm["hostid"]):
        return "Cannot migrate VM, destination host is same as current host"
    if hostid and not any(str(h["id"]) == hostid for h in hosts):
        return f"Cannot migrate VM id = {vm['id']} to host {hostid}: not a host of its zone running {vm['hypervisor']}"
    return None


def migrate_capacity_refusal(vm: Mapping[str, Any], hostid: str) -> str:
    where = f"host {hostid}" if hostid else "any other host of its zone"
    return f"Unable to migrate vm id = {vm['id']}: {where} does not have enough capacity"


def name_taken_text(name: str) -> str:
    return f"The vm with hostname {name} already exists in this account's zone"
