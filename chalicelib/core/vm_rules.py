"""What each lifecycle command does to a VM in each state (CloudStack's state machine). Pure."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

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
