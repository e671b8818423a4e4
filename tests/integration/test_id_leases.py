"""Ids leased in blocks per process (container): unique across containers, increasing within one, and a fresh
stack still starts at job 1 / VM 100."""
from __future__ import annotations

import random
import threading

from chalicelib.aws import statetable


def test_interleaved_containers_never_share_an_id(cloud):
    containers = [statetable.IdLeases() for _ in range(4)]
    taken: list[list[int]] = [[] for _ in containers]
    rng = random.Random(7)
    for _ in range(400):
        which = rng.randrange(len(containers))
        taken[which].append(containers[which].next_id("vm", 100, 7))
    every = [i for ids in taken for i in ids]
    assert len(every) == len(set(every)) == 400
    assert min(every) == 100
    assert all(ids == sorted(ids) for ids in taken)


def test_threads_of_one_container_get_distinct_increasing_ids(cloud):
    container, got, lock = statetable.IdLeases(), [], threading.Lock()

    def take() -> None:
        mine = [container.next_id("job", 1, 5) for _ in range(50)]
        assert mine == sorted(mine)
        with lock:
            got.extend(mine)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(1, 401))  # one container, one block at a time: no gaps


def test_a_fresh_stack_with_blocks_gives_job_1_and_vm_100(cloud, monkeypatch):
    monkeypatch.setenv("JOBLEDGER_ID_BLOCK", "50")
    statetable.LEASES.forget()
    first = cloud.deploy()
    second = cloud.deploy()
    assert (first["jobid"], first["id"], second["jobid"], second["id"]) == ("1", "100", "2", "101")
    assert statetable.get("counter", "job").value == 50  # one write leased ids 1-50
