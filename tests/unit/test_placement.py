from __future__ import annotations

from chalicelib.core.placement import HostLoad, address_at, address_count, choose_host


def host(id_: str, cpu: int, memory: int) -> HostLoad:
    return HostLoad({"id": id_, "name": f"h{id_}"}, cpu, memory)


def test_the_least_loaded_host_that_fits_is_chosen():
    hosts = [host("1", 4000, 1024), host("2", 4000, 4096), host("3", 100, 8192)]
    assert choose_host(hosts, 500, 512).id == "2"


def test_no_host_fits_when_cpu_or_memory_is_short():
    assert choose_host([host("1", 499, 4096), host("2", 4000, 511)], 500, 512) is None


def test_ties_go_to_the_first_host_given():
    """Callers give a zone's hosts in id order (ties to the lowest id, deterministic) and a random sample in its
    random order (ties spread evenly: by id they would go to the lowest ids twice as often as the mean)."""
    assert choose_host([host("7", 1000, 1000), host("3", 1000, 1000)], 1, 1).id == "7"
    assert choose_host([host("3", 1000, 1000), host("7", 1000, 1000)], 1, 1).id == "3"
    assert choose_host([host("3", 1000, 1000), host("7", 1000, 1001)], 1, 1).id == "7"


def test_addresses_skip_the_network_the_gateway_and_broadcast_and_wrap():
    cidr, gateway = "10.1.1.0/24", "10.1.1.1"
    seen = [address_at(cidr, gateway, i) for i in range(address_count(cidr, gateway))]
    assert len(set(seen)) == 253
    assert {"10.1.1.0", "10.1.1.1", "10.1.1.255"}.isdisjoint(seen)
    assert address_at(cidr, gateway, 253) == seen[0]


def test_a_gateway_in_the_middle_is_skipped():
    seen = [address_at("192.168.0.0/29", "192.168.0.4", i) for i in range(5)]
    assert seen == ["192.168.0.1", "192.168.0.2", "192.168.0.3", "192.168.0.5", "192.168.0.6"]


def test_a_requested_address_must_be_a_host_address_of_the_network_other_than_its_gateway():
    from chalicelib.core.placement import address_refusal

    network = {"id": "205", "name": "guest", "cidr": "10.1.1.0/24", "gateway": "10.1.1.1"}
    assert address_refusal(network, "10.1.1.2") is None and address_refusal(network, "10.1.1.254") is None
    assert "gateway" in (address_refusal(network, "10.1.1.1") or "")
    for outside in ("10.1.1.0", "10.1.1.255", "10.1.2.2"):
        assert "not in the range of network guest" in (address_refusal(network, outside) or "")
    for wrong in ("", "10.1.1", "010.1.1.2", "::1", "10.1.1.2 "):
        assert "not an IPv4 address" in (address_refusal(network, wrong) or ""), wrong
