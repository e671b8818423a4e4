"""`serve --data-dir` killed with SIGKILL while clients deploy: after a restart on the same data dir, every job a
client got an answer for is there and finishes, and new ids continue above every old one."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from tests.e2e.conftest import ROOT, Stack, start_stack

TWO_ZONES = ROOT / "jobledger" / "inventories" / "two-zones.json"


def deploy_until(stack: Stack, stop: threading.Event, acknowledged: list[str]) -> None:
    """Deploy again and again; keep the id of every job whose submission was answered 200."""
    while not stop.is_set():
        try:
            reply = stack.get(response="json", command="deployVirtualMachine", zoneid="1", templateid="1",
                              serviceofferingid="1")
        except requests.RequestException:
            return  # the stack is gone
        if reply.status_code == 200:
            acknowledged.append(str(reply.json()["deployvirtualmachineresponse"]["jobid"]))


def test_every_acknowledged_job_survives_a_kill_and_finishes(tmp_path: Path) -> None:
    args = ("--provision-seconds", "0.2", "--workers", "2", "--inventory", str(TWO_ZONES), "--data-dir", str(tmp_path))
    first = start_stack(*args)
    stop, acknowledged = threading.Event(), []  # type: ignore[var-annotated]
    clients = [threading.Thread(target=deploy_until, args=(first, stop, acknowledged)) for _ in range(3)]
    for client in clients:
        client.start()
    deadline = time.monotonic() + 20
    while len(acknowledged) < 25 and time.monotonic() < deadline:
        time.sleep(0.05)
    first.process.kill()  # SIGKILL, mid-load: no clean stop, no export
    first.process.wait(timeout=10)
    stop.set()
    for client in clients:
        client.join(timeout=15)
    assert len(acknowledged) >= 25, "the clients did not get far enough to test anything"
    assert not (tmp_path / "events.jsonl").exists()

    second = start_stack(*args)
    try:
        for jobid in acknowledged:
            assert second.wait_for_job(jobid, timeout=40)["jobstatus"] in (1, 2), jobid
        status, body = second.json(command="deployVirtualMachine", zoneid="1", templateid="1", serviceofferingid="1")
        assert status == 200
        assert int(body["deployvirtualmachineresponse"]["jobid"]) > max(int(j) for j in acknowledged)
    finally:
        assert second.stop() == 0


def test_a_damaged_journal_stops_the_start_with_one_line(tmp_path: Path) -> None:
    first = start_stack("--provision-seconds", "0", "--data-dir", str(tmp_path))
    first.process.kill()
    first.process.wait(timeout=10)
    journal = next(tmp_path.glob("journal-*.log"))
    lines = journal.read_bytes().split(b"\n")
    lines[1] = lines[1][:20] + b"X" + lines[1][21:]
    journal.write_bytes(b"\n".join(lines))
    done = subprocess.run([sys.executable, "-m", "jobledger", "serve", "--port", "0", "--data-dir", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [f"jobledger cannot start: {journal}: record 2 is damaged and records follow it"]
    assert "Traceback" not in done.stderr


def test_an_older_data_dir_is_imported_once_even_if_the_import_is_cut_short(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    first = start_stack("--provision-seconds", "0", "--data-dir", str(old))
    try:
        jobid = first.json(command="deployVirtualMachine", zoneid="1", templateid="1",
                           serviceofferingid="1")[1]["deployvirtualmachineresponse"]["jobid"]
        before = first.wait_for_job(jobid)
    finally:
        assert first.stop() == 0
    new.mkdir(mode=0o700)
    for name in ("events.jsonl", "secrets.json"):  # what an older version's data dir holds
        (new / name).write_bytes((old / name).read_bytes())
    (new / "import.pending").touch()  # as a kill during a first import leaves it, with a partial journal
    (new / "journal-000001.log").write_bytes(b"0000 partial")
    second = start_stack("--provision-seconds", "0", "--data-dir", str(new))
    assert second.wait_for_job(jobid) == before
    second.process.kill()
    second.process.wait(timeout=10)
    assert not (new / "import.pending").exists()
    third = start_stack("--provision-seconds", "0", "--data-dir", str(new))
    try:
        assert third.wait_for_job(jobid) == before
    finally:
        assert third.stop() == 0
