"""Where a VM goes: the host-choice policy, the order addresses are tried in, and the deploy decision. Pure."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any, Collection, Mapping, Sequence

from chalicelib.core import effects as fx
from chalicelib.core import jobs
from chalicelib.core import vm as vms


@dataclass(frozen=True)
class HostLoad:
    host: Mapping[str, Any]
    free_cpu: int
    free_memory: int

    @property
    def id(self) -> str:
        return str(self.host["id"])


def choose_host(hosts: Sequence[HostLoad], cpu: int, memory: int,
                exclude: Collection[str] = ()) -> HostLoad | None:
    """Least loaded first: of the hosts with room, the one with the most free memory, then CPU, then the first
    given (callers give a whole zone in id order, a random sample in its random order, so that equally loaded hosts
    share the sample's choices evenly).

    The choice is only a hint: the commit's condition is what guarantees the host still has room.
    """
    fits = [h for h in hosts if h.id not in exclude and h.free_cpu >= cpu and h.free_memory >= memory]
    if not fits:
        return None
    return max(fits, key=lambda h: (h.free_memory, h.free_cpu))  # max answers the first of equals


@dataclass(frozen=True)
class Decision:
    """What a job does to its VM: the VM's document afterwards and the effects that commit with the job's end,
    or `error` (code, text), with which the job fails leaving the VM as `final` says."""

    final: Mapping[str, Any]
    effects: list[fx.Effect] = field(default_factory=list)
    error: tuple[int, str] | None = None


def decide_deploy(vm: Mapping[str, Any], hosts: Sequence[HostLoad], network: Mapping[str, Any], ip: str,
                  nicid: str, startvm: bool) -> Decision:
    """A new VM gets its NIC (the address leased) and, when started, the least loaded host with room; with no
    host it fails 551 in state Error, holding nothing. The commit's conditions, not this choice, guarantee the
    host and the address are still free: on a lost race the caller decides again from a fresh snapshot."""
    cpu, memory = vms.needs(vm)
    host = choose_host(hosts, cpu, memory) if startvm else None
    if startvm and host is None:
        return Decision(vms.with_state(vm, "Error"), error=(jobs.CAPACITY_ERROR, jobs.capacity_text(str(vm["id"]))))
    nic = vms.nic(nicid, network, ip)
    effects: list[fx.Effect] = [fx.LeaseIp(str(network["id"]), ip, str(vm["id"]))]
    if host is None:
        return Decision(dict(vm, nic=[nic], state="Stopped"), effects)
    return Decision(vms.placed(vm, host.host, [nic], "Running"), [*effects, fx.ReserveCapacity(host.id, cpu, memory)])


def address_refusal(network: Mapping[str, Any], ip: str) -> str | None:
    """Why a requested address cannot be a VM's in the network (None when it can): an IPv4 address of the
    network's CIDR, neither its network nor its broadcast address nor its gateway."""
    try:
        address = ipaddress.IPv4Address(ip)
    except ValueError:
        return f"{ip[:45]} is not an IPv4 address"
    net = ipaddress.ip_network(str(network["cidr"]), strict=False)
    if address not in net or address in (net.network_address, net.broadcast_address):
        return f"IP address {address} is not in the range of network {network.get('name', network['id'])}"
    if str(address) == str(network["gateway"]):
        return f"IP address {address} is the gateway of network {network.get('name', network['id'])}"
    return None


def address_count(cidr: str, gateway: str) -> int:
    """How many addresses of the network can be leased: its hosts less the gateway."""
    network = ipaddress.ip_network(cidr, strict=False)
    hosts = max(network.num_addresses - 2, 0)
    return hosts - (1 if ipaddress.ip_address(gateway) in network else 0)


def address_at(cidr: str, gateway: str, cursor: int) -> str:
    """The address a lease cursor points at, skipping the gateway; cursors wrap, so freed ones come round again."""
    network = ipaddress.ip_network(cidr, strict=False)
    first = int(network.network_address) + 1
    candidate = first + cursor % address_count(cidr, gateway)
    if candidate >= int(ipaddress.ip_address(gateway)) >= first:
        candidate += 1
    return str(ipaddress.ip_address(candidate))
