"""Effects: the state changes an event explains, committed in the same transaction as the event. Pure."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Union


@dataclass(frozen=True)
class ReserveCapacity:
    """Take CPU (MHz) and memory (MB) from a host, only if it has them free."""

    hostid: str
    cpu: int
    memory: int


@dataclass(frozen=True)
class ReleaseCapacity:
    hostid: str
    cpu: int
    memory: int


@dataclass(frozen=True)
class LeaseIp:
    """Lease an address of a network to a VM, only if nobody holds it."""

    networkid: str
    ip: str
    vmid: str


@dataclass(frozen=True)
class ReleaseIp:
    networkid: str
    ip: str
    vmid: str


@dataclass(frozen=True)
class PutState:
    """Write a state row whole: a VM's current document, an inventory item (hosts with free capacity)."""

    kind: str
    id: str
    data: Mapping[str, Any]
    free_cpu: int | None = None
    free_memory: int | None = None


Effect = Union[ReserveCapacity, ReleaseCapacity, LeaseIp, ReleaseIp, PutState]


def put_vm(vm: Mapping[str, Any]) -> PutState:
    return PutState("vm", str(vm["id"]), dict(vm))


def lease_id(networkid: str, ip: str) -> str:
    return f"{networkid}#{ip}"
