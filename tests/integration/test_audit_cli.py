"""`python -m jobledger audit …` in process against moto: what each command prints and its exit status."""
from __future__ import annotations

import json
import os
import stat

from chalicelib.aws import models, statetable
from chalicelib.aws.models import EventRecord, StateRecord
from jobledger.__main__ import main
from tests.integration.test_audit import busy_day


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(["audit", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_replay_prints_totals_and_exits_zero_on_a_clean_log(cloud, capsys):
    busy_day(cloud)
    status, out, err = run(capsys, "replay")
    assert status == 0
    assert "jobs: 11 (pending 1, succeeded 9, failed 1)" in out
    assert "host 2 905-13.sjc.lab.vmops.com: cpu 1000/2500 MHz free, memory 1536/3072 MB free, 3 VMs running" in out
    assert out.splitlines()[-1].startswith("clean: every stream contiguous from seq 1")
    assert "state rows: " in err and "events: 44 read in" in err  # progress goes to stderr


def test_replay_and_verify_exit_one_and_name_what_is_wrong(cloud, capsys):
    busy_day(cloud)
    EventRecord.get("job#9", 2, consistent_read=True).delete()  # its JobStarted, between two events
    status, out, _ = run(capsys, "verify")
    assert status == 1 and "PROBLEM job#9 seq 2: missing: seq 2 deleted (seq 3 follows seq 1)" in out
    host = statetable.get("host", "2")
    host.free_memory = 1
    host.save()
    status, out, _ = run(capsys, "replay", "--json")
    report = json.loads(out)
    assert status == 1 and not report["clean"]
    assert {"kind": "host", "id": "2", "field": "free_memory", "stored": 1, "replayed": 1536} in \
        report["divergence_list"]


def test_history_shows_a_timeline_in_text_and_json(cloud, capsys):
    busy_day(cloud)
    status, out, _ = run(capsys, "history", "7")
    lines = out.splitlines()
    assert status == 0 and lines[0] == "job 7: stopVirtualMachine on VirtualMachine 100: succeeded"
    assert lines[2].split() == ["time", "seq", "event", "actor", "attempt", "result"]
    assert lines[3].split()[1:4] == ["1", "JobSubmitted", "user"]
    assert lines[-1].endswith("resultcode 0: virtualmachine 100 Stopped (10.1.1.2)")
    status, out, _ = run(capsys, "history", "7", "--json")
    events = json.loads(out)["events"]
    assert [(e["type"], e["attempt"]) for e in events] == [
        ("JobSubmitted", "-"), ("JobStarted", "1"), ("JobCompleted", "1")]
    assert run(capsys, "history", "999")[0] == 1


def test_as_of_lists_every_job_then(cloud, capsys):
    busy_day(cloud)
    status, out, _ = run(capsys, "replay", "--as-of", "2000-01-01T00:00:00Z")
    assert status == 0 and "jobs: 0 (pending 0, succeeded 0, failed 0)" in out
    status, out, _ = run(capsys, "replay", "--as-of", "2999-01-01T00:00:00Z")
    assert status == 0 and out.splitlines()[-1].split() == ["11", "rebootVirtualMachine", "VirtualMachine", "102",
                                                            "pending", "0"]


def test_export_then_import_with_secrets_replays_clean(cloud, capsys, tmp_path):
    busy_day(cloud)
    log, secrets = tmp_path / "events.jsonl", tmp_path / "secrets.json"
    status, _, err = run(capsys, "export", str(log), "--secrets", str(secrets))
    assert status == 0 and err.endswith(f"exported 44 events to {log}\n")
    assert stat.S_IMODE(os.stat(secrets).st_mode) == 0o600
    for model in (EventRecord, StateRecord):
        model.delete_table()
    models.create_tables()
    status, out, _ = run(capsys, "import", str(log), "--secrets", str(secrets))
    assert status == 0 and out.startswith("imported 44 events in 19 streams; rebuilt ")
    assert "unfinished jobs: 11 (their messages are not in the log: the sweeper sends them again)" in out
    assert run(capsys, "replay")[0] == 0
    status, _, err = run(capsys, "import", str(log))
    assert status == 1 and "import refused: the tables are not empty" in err
