"""Placement reads a sample of its zone's hosts, not all of them (issue 15: a host's row was read, strongly
consistent, by every deploy of its zone): `JOBLEDGER_PLACEMENT_SAMPLE` hosts chosen at random, eventually
consistent; the whole zone, fresh, only when no sampled host has room, so a VM is refused only by the zone's
current state. The host rows each request reads are recorded with a botocore hook, on moto."""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any, Iterator

import pytest

from chalicelib.aws import statetable
from chalicelib.runtime import vm_run
from jobledger import inventory
from jobledger.audit import reader, report
from tests import harness
from tests.awshooks import SwitchableHook
from tests.integration.conftest import ADMIN_KEY, ADMIN_SECRET, Cloud

HOSTS = 12


class HostReads(SwitchableHook):
    """Each BatchGetItem of host rows: (the host ids it names, whether strongly consistent)."""

    def __init__(self) -> None:
        self.reads: list[tuple[list[str], bool]] = []

    def observe(self, **kwargs: Any) -> None:
        if kwargs["model"].name != "BatchGetItem":
            return
        for request in (kwargs.get("params") or {}).get("RequestItems", {}).values():
            hosts = [k["pk"]["S"].split("#", 1)[1] for k in request["Keys"] if k["pk"]["S"].startswith("host#")]
            if hosts:
                self.reads.append((sorted(hosts, key=int), bool(request.get("ConsistentRead"))))


READS = HostReads()
READS.install("before-parameter-build.dynamodb.BatchGetItem")


def zone_of(tmp_path: Path, cpuspeeds: list[int]) -> Path:
    """The default inventory with zone 1's hosts replaced by one XenServer host per speed (ids from 2); a Small
    Instance needs 500 MHz, so a 100 MHz host never has room for one."""
    data = inventory.read_inventory()
    model = data["hosts"][0]
    data["hosts"] = [dict(model, id=str(n + 2), name=f"host-{n + 2}", cpunumber=1, cpuspeed=speed)
                     for n, speed in enumerate(cpuspeeds)]
    path = tmp_path / "hosts.json"
    path.write_text(json.dumps(data))
    return path


@pytest.fixture
def first_sampled(monkeypatch) -> None:
    """The sample is the zone's lowest host ids (the test knows which hosts it reads)."""
    monkeypatch.setattr(random, "sample", lambda keys, k: sorted(keys, key=lambda pk: int(pk.split("#")[1]))[:k])


def deployed_on(cloud: Cloud, job: dict[str, str]) -> str:
    answer = cloud.job(job["jobid"])
    assert answer["jobstatus"] == 1, answer
    return str(answer["jobresult"]["virtualmachine"]["hostid"])


def worker_reads(cloud: Cloud) -> list[tuple[list[str], bool]]:
    READS.reads.clear()
    with READS.switched_on():
        cloud.run_worker()
    return list(READS.reads)


def running(path: Path) -> Iterator[Cloud]:
    """As the `dev` stage runs: the inventory, and which hosts there are, kept a minute per process (the test
    client runs the handlers with the stage's environment, `.chalice/config.json`; the test's own calls too)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JOBLEDGER_INVENTORY_CACHE_SECONDS", "60")
        yield from _running(path)


def _running(path: Path) -> Iterator[Cloud]:
    with harness.running_cloud((ADMIN_KEY, ADMIN_SECRET), path) as cloud:
        yield cloud


def test_each_deploy_reads_two_of_its_zones_hosts_eventually_consistent(tmp_path, monkeypatch):
    monkeypatch.setattr(random, "sample", random.Random(15).sample)  # the same samples at every run
    for cloud in running(zone_of(tmp_path, [5000] * HOSTS)):
        statetable.kept_documents("host")  # a container reads which hosts there are once a minute
        hosts = []
        for _ in range(8):
            job = cloud.deploy()
            reads = worker_reads(cloud)
            assert len(reads) == 1 and len(reads[0][0]) == 2 and reads[0][1] is False, reads
            hosts.append(deployed_on(cloud, job))
            assert hosts[-1] in reads[0][0]  # placed on one of the hosts it read
        # of two hosts the least loaded is taken (an empty one beats one holding a VM): 8 VMs spread over hosts
        assert len(set(hosts)) >= 6 and max(hosts.count(h) for h in hosts) <= 2, hosts
        assert report.audit(reader.read_log(), reader.read_state()).clean


def test_a_sample_without_room_reads_the_whole_zone_fresh_before_placing_or_refusing(tmp_path, first_sampled):
    # hosts 2..12 are too slow for a Small Instance; host 13 has room for one
    for cloud in running(zone_of(tmp_path, [100] * (HOSTS - 1) + [500])):
        statetable.kept_documents("host")
        job = cloud.deploy()
        reads = worker_reads(cloud)
        everyone = [str(n) for n in range(2, HOSTS + 2)]
        assert reads == [(["2", "3"], False), (everyone, True)]
        assert deployed_on(cloud, job) == "13"

        refused = cloud.deploy()
        assert worker_reads(cloud) == [(["2", "3"], False), (everyone, True)]
        answer = cloud.job(refused["jobid"])
        assert (answer["jobstatus"], answer["jobresultcode"]) == (2, 551)

        stopped = cloud.deploy(startvm="false")  # a VM not started reads no host
        assert worker_reads(cloud) == []
        assert cloud.job(stopped["jobid"])["jobstatus"] == 1
        assert report.audit(reader.read_log(), reader.read_state()).clean


def test_a_start_samples_too_and_a_small_zone_is_read_whole(tmp_path):
    for cloud in running(zone_of(tmp_path, [500, 500])):
        statetable.kept_documents("host")
        job = cloud.deploy(startvm="false")
        cloud.run_worker()
        vmid = cloud.job(job["jobid"])["jobresult"]["virtualmachine"]["id"]
        started = cloud.ok(command="startVirtualMachine", id=vmid)
        assert worker_reads(cloud) == [(["2", "3"], False)]  # two hosts: the sample is the zone
        assert deployed_on(cloud, started) in ("2", "3")


def test_which_hosts_there_are_is_kept_but_never_their_capacity(tmp_path):
    for cloud in running(zone_of(tmp_path, [500, 500])):
        statetable.LEASES.forget()
        vm = {"zoneid": "1", "hypervisor": "XenServer", "cpunumber": 1, "cpuspeed": 500, "memory": 512}
        assert [h.free_cpu for h in vm_run.candidate_hosts(vm)] == [500, 500]
        cloud.deploy()
        cloud.run_worker()
        READS.reads.clear()
        with READS.switched_on():
            loads = vm_run.candidate_hosts(vm)
        assert sorted(h.free_cpu for h in loads) == [0, 500]  # capacity read again, the host list not
        assert READS.reads == [(["2", "3"], False)]


def test_without_a_kept_inventory_every_host_is_read_fresh_as_before(tmp_path, monkeypatch):
    for _ in _running(zone_of(tmp_path, [5000] * 4)):
        monkeypatch.setenv("JOBLEDGER_INVENTORY_CACHE_SECONDS", "0")
        vm = {"zoneid": "1", "hypervisor": "XenServer", "cpunumber": 1, "cpuspeed": 500, "memory": 512}
        READS.reads.clear()
        with READS.switched_on():
            assert len(vm_run.candidate_hosts(vm)) == 4
        assert READS.reads == [(["2", "3", "4", "5"], True)]
