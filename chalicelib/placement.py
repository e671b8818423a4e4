"""Where a VM goes: the host-choice policy and the order addresses are tried in. Pure."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Collection, Mapping, Sequence


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
    """Least loaded first: of the hosts with room, the one with the most free memory, then CPU, then lowest id.

    The choice is only a hint: the commit's condition is what guarantees the host still has room.
    """
    fits = [h for h in hosts if h.id not in exclude and h.free_cpu >= cpu and h.free_memory >= memory]
    if not fits:
        return None
    return max(fits, key=lambda h: (h.free_memory, h.free_cpu, -_numeric(h.id)))


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


def _numeric(value: str) -> int:
    return int(value) if value.isascii() and value.isdigit() else 0
