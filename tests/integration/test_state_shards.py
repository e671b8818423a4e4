"""The state table's sharded listing keys on moto: rows of a kind spread over the shards, listings merge them back
in `sort` order with CloudStack's paging (newest first where asked) and counts, also while racing threads write
and list; the sweeper's index merges its shards oldest first."""
from __future__ import annotations

import json
import threading
from typing import Iterator

import pytest

from chalicelib.aws import statetable
from chalicelib.aws.models import StateRecord, index_keys, shard_of
from chalicelib.aws.statetable import Filter, Scope
from chalicelib.core.rows import job_attributes
from jobledger import inventory
from jobledger.audit import reader, report
from tests import harness
from tests.integration.conftest import ADMIN_KEY, ADMIN_SECRET, Cloud

SHARDS = 4
GB = 1024 ** 3


@pytest.fixture
def sharded(monkeypatch) -> Iterator[Cloud]:
    monkeypatch.setenv("JOBLEDGER_STATE_SHARDS", str(SHARDS))
    with harness.running_cloud((ADMIN_KEY, ADMIN_SECRET)) as cloud:
        yield cloud


def job(jobid: int, owner: str = "7", finished: bool = False) -> StateRecord:
    doc = {"jobid": str(jobid), "accountid": owner, "domainid": "1", "created": f"2026-11-30T10:{jobid:05d}Z",
           "command": "deployVirtualMachine", "cmd": "DeployVMCmd", "status": 1 if finished else 0}
    return StateRecord("job", str(jobid), **job_attributes(doc))


def ids(rows: list[StateRecord]) -> list[int]:
    return [int(r.id) for r in rows]


def test_a_row_is_its_own_partition_and_its_index_keys_name_the_kind_and_a_shard(sharded):
    keys = index_keys("job", "13", job_attributes({"jobid": "13", "accountid": "7", "domainid": "1",
                                                     "created": "x", "command": "c", "cmd": "d", "status": 0}))
    assert keys == {"pk": "job#13", "kindkey": "job#1", "kindsort": "job#000000000013", "ownerkey": "7#job#1",
                    "domainkey": "1#job#1", "pendingkey": "pending#5"}
    assert index_keys("zone", "1", {}) == {"pk": "zone#1", "kindkey": "zone#0", "kindsort": "zone#000000000001"}
    assert index_keys("lease", "205#10.1.1.2", {"holder": "100"}) == {"pk": "lease#205#10.1.1.2"}
    assert {shard_of("job", str(n), SHARDS) for n in range(1, 9)} == set(range(SHARDS))
    assert {shard_of("sshkeypair", f"7#key-{n}", SHARDS) for n in range(40)} == set(range(SHARDS))


def test_listings_merge_the_shards_in_order_page_and_count_as_one_partition(sharded):
    for n in range(1, 31):
        job(n, owner="7" if n % 3 else "8", finished=n % 5 != 0).save()
    mine = [n for n in range(1, 31) if n % 3]
    assert len({r.ownerkey for r in StateRecord.scan(StateRecord.owner == "7")}) == SHARDS
    for scope, expected in ((Scope("owner", "7"), mine), (Scope("all"), list(range(1, 31))),
                            (Scope("domain", "1"), list(range(1, 31)))):
        assert ids(statetable.list_rows("job", scope)) == expected
        assert ids(statetable.list_rows("job", scope, newest_first=True)) == expected[::-1]
        for start in range(0, len(expected) + 3, 3):  # every page of 3, as page/pagesize ask
            page = statetable.list_rows("job", scope, start=start, end=start + 3, newest_first=True)
            assert ids(page) == expected[::-1][start:start + 3]
        assert statetable.count_rows("job", scope) == len(expected)
    late = Filter(created_from="2026-11-30T10:00020Z")
    assert ids(statetable.list_rows("job", Scope("owner", "7"), late)) == [n for n in mine if n >= 20]
    assert statetable.count_rows("job", Scope("owner", "7"), late) == len([n for n in mine if n >= 20])
    assert ids(statetable.list_rows("job", Scope("all"), Filter(id="17"))) == [17]
    assert ids(statetable.list_rows("job", Scope("all"), Filter(hide_owners=("7",)))) == [n for n in range(1, 31)
                                                                                         if n % 3 == 0]
    assert ids(statetable.unfinished_jobs()) == [5, 10, 15, 20, 25, 30]
    assert ids(list(statetable.unfinished_jobs(limit=2))) == [5, 10]


def test_racing_writers_and_listers_see_every_row_once_in_order(sharded, monkeypatch):
    """Writers and listers race request by request. DynamoDB applies each request atomically; in-process moto
    does not (its backends are not thread-safe: a put racing a query has lost a row here), so each request is
    made atomic as DynamoDB's and the emulator's are, and the race stays between requests, where ours is."""
    import moto.core.botocore_stubber as stubber

    handle, one_request = stubber.BotocoreStubber.__call__, threading.Lock()

    def atomic(self, event_name, request, **kwargs):  # type: ignore[no-untyped-def]
        with one_request:
            return handle(self, event_name, request, **kwargs)

    monkeypatch.setattr(stubber.BotocoreStubber, "__call__", atomic)
    written: list[int] = []
    lock, failures = threading.Lock(), []

    def writer(first: int) -> None:
        for n in range(first, 121, 4):  # four writers, interleaved ids: every shard written by every writer
            job(n, finished=n % 2 == 0).save()
            with lock:
                written.append(n)

    def lister() -> None:
        for _ in range(10):
            seen = ids(statetable.list_rows("job", Scope("owner", "7"), newest_first=True))
            if seen != sorted(set(seen), reverse=True):
                failures.append(seen)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(1, 5)]
    threads += [threading.Thread(target=lister) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == [] and sorted(written) == list(range(1, 121))
    assert ids(statetable.list_rows("job", Scope("owner", "7"))) == list(range(1, 121))
    assert statetable.count_rows("job", Scope("owner", "7")) == 120
    assert ids(statetable.unfinished_jobs()) == list(range(1, 121, 2))


def test_vm_listings_page_across_shards_through_the_api(sharded):
    made = [sharded.deploy()["id"] for _ in range(5)]
    sharded.run_worker()
    listed = sharded.ok(command="listVirtualMachines")
    assert [v["id"] for v in listed["virtualmachine"]] == made and listed["count"] == 5
    pages = [sharded.ok(command="listVirtualMachines", page=str(p), pagesize="2") for p in (1, 2, 3)]
    assert [[v["id"] for v in p["virtualmachine"]] for p in pages] == [made[0:2], made[2:4], made[4:]]
    assert {p["count"] for p in pages} == {5}
    jobs = sharded.ok(command="listAsyncJobs")["asyncjobs"]
    assert [j["jobid"] for j in jobs] == [str(n) for n in range(5, 0, -1)]  # newest first


def test_inventory_rows_are_kept_a_while_per_process_but_hosts_capacity_never(cloud, monkeypatch):
    monkeypatch.setenv("JOBLEDGER_INVENTORY_CACHE_SECONDS", "60")
    statetable.LEASES.forget()  # a new container
    zone, hosts = statetable.get("zone", "1"), statetable.list_kind("host")
    changed = statetable.get("zone", "1")
    changed.data = dict(changed.data, name="renamed behind its back")
    changed.save()
    kept = statetable.get("zone", "1")
    assert kept.as_dict()["name"] == zone.as_dict()["name"]  # read once a minute, not once a request
    kept.data = {"mutated": True}  # a caller changing its copy changes nothing kept
    assert statetable.get_many([("zone", "1")])[("zone", "1")].as_dict()["name"] == zone.as_dict()["name"]
    cloud.deploy()
    cloud.run_worker()
    [host] = statetable.list_kind("host")
    assert host.free_cpu == hosts[0].free_cpu - 500  # a host's free capacity is always read fresh
    statetable.LEASES.forget()
    assert statetable.get("zone", "1").as_dict()["name"] == "renamed behind its back"


def test_a_zones_storage_pools_each_count_their_own_volumes(tmp_path):
    """A zone of two pools of 22.5 GB: volume 1 (pool 1) and 2 (pool 0) fit; volume 3 (pool 1 again) does not,
    though the zone as a whole has 5 GB left; expunging gives back to the pool that lent; the audit agrees."""
    data = inventory.read_inventory()
    data["zones"][0].update(storagecapacity=45 * GB, storagepools=2)
    path = tmp_path / "pools.json"
    path.write_text(json.dumps(data))
    with harness.running_cloud((ADMIN_KEY, ADMIN_SECRET), path) as cloud:
        first, second = cloud.deploy(startvm="false"), cloud.deploy(startvm="false")
        third = cloud.deploy(startvm="false")
        cloud.run_worker()
        assert [cloud.job(j["jobid"])["jobstatus"] for j in (first, second, third)] == [1, 1, 2]
        assert cloud.job(third["jobid"])["jobresultcode"] == 551
        used = {r.id: int(r.value) for r in StateRecord.scan(StateRecord.kind == "storage", consistent_read=True)}
        assert used == {"1#1": 20 * GB, "1#0": 20 * GB}
        cloud.ok(command="destroyVirtualMachine", id=first["id"], expunge="true")
        cloud.run_worker()
        assert int(statetable.get("storage", "1#1").value) == 0
        assert report.audit(reader.read_log(), reader.read_state()).clean


def test_a_row_whose_index_key_names_another_account_is_not_listed_there(sharded):
    job(1, owner="7").save()
    planted = job(2, owner="7")
    planted.ownerkey = "8#job#2"  # written behind the store's back: account 8's listing now names it
    planted.save()
    assert ids(statetable.list_rows("job", Scope("owner", "8"))) == []
    assert ids(statetable.list_rows("job", Scope("owner", "7"))) == [1]
    assert ids(statetable.list_rows("job", Scope("all"))) == [1, 2]
