"""Invariant 8 against moto: someone who edits the events table (and then the state rows too) cuts, rewrites,
removes or inserts events; `audit verify` names it from the recorded heads, and from a seal once both tables
agree. The hourly sealer's digest proves the same from the log alone."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.runtime import sealer
from jobledger.audit import reader
from jobledger.audit.seal import bare_seal, verify_against
from chalicelib.aws.eventlog import to_record
from chalicelib.aws import statetable
from chalicelib.aws.models import EventRecord
from chalicelib.core import events as ev
from chalicelib.core.rows import head_key, heads_of
from jobledger.__main__ import main
from tests.integration.test_audit import audited, tenant

# inventory 1, domain 1, admin account 1 + user 2 (keys), alice's account 1 + user 2, two deploys 3 each
# (submitted, started, completed)
EVENTS = 1 + 1 + 3 + 3 + 6


def busy_day(cloud) -> None:
    """Every kind of stream, small: inventory, domain, accounts, users (one with keys), two jobs."""
    tenant(cloud, "alice")
    cloud.deploy()
    cloud.deploy(startvm="false")
    cloud.run_worker()


def run(capsys, *argv: str) -> tuple[int, str]:
    status = main(["audit", *argv])
    return status, capsys.readouterr().out


def rewrite(stream: str, events: list[ev.Event]) -> None:
    """The events table holds exactly `events` for `stream`, chained anew (an attacker who knows the chain)."""
    for record in EventRecord.query(stream, consistent_read=True):
        record.delete()
    for e in ev.chained(None, [replace(e, seq=i, hash="") for i, e in enumerate(events, start=1)]):
        to_record(e).save()


def edited(e: ev.Event) -> ev.Event:
    return replace(e, actor=dict(e.actor, worker="intruder"))


def delete_tail(stream: str) -> None:
    EventRecord.get(stream, len(reader.read_stream(stream)), consistent_read=True).delete()


def reseal_tail(stream: str) -> None:
    events = reader.read_stream(stream)
    [last] = ev.chained(events[-2], [replace(edited(events[-1]), hash="")])
    to_record(last).save()


def delete_stream(stream: str) -> None:
    for record in EventRecord.query(stream, consistent_read=True):
        record.delete()


def insert_middle(stream: str) -> None:
    events = reader.read_stream(stream)
    rewrite(stream, [events[0], edited(events[1]), *events[1:]])


def edit_middle(stream: str) -> None:
    events = reader.read_stream(stream)
    rewrite(stream, [events[0], edited(events[1]), *events[2:]])


TAMPERING = {"delete-tail": delete_tail, "re-seal-tail": reseal_tail, "delete-stream": delete_stream,
             "insert-middle": insert_middle, "edit-middle": edit_middle}


def cover_tracks(stream: str) -> None:
    """The state rows brought in line with the tampered log: its head as it now ends (or gone with it)."""
    kind, id_ = head_key(stream)
    row = statetable.get(kind, id_)
    head = heads_of(reader.read_stream(stream)).get(stream)
    if head is None:
        row.delete()
    else:
        row.head = head.text()
        row.save()


def test_a_clean_stack_verifies_and_replays_clean_with_its_heads(cloud, capsys):
    busy_day(cloud)
    assert audited().clean  # head rows and job heads are not drift
    status, out = run(capsys, "verify")
    assert status == 0 and out.splitlines()[-1].endswith("each ending at the head the state rows record")
    recorded = reader.read_heads()
    assert set(recorded) == set(reader.read_log())
    assert statetable.get("head", "account#3").head.startswith("1 ")


@pytest.mark.parametrize("stream", ["job#1", "user#3"])
@pytest.mark.parametrize("how", TAMPERING)
def test_tampering_is_named_from_the_heads_and_once_they_are_rewritten_too_from_the_seal(cloud, capsys, tmp_path,
                                                                                         how, stream):
    busy_day(cloud)
    seal_file = tmp_path / "seal.json"
    status, out = run(capsys, "seal", "--settle", "0", "--out", str(seal_file))
    assert status == 0, out
    token = out.splitlines()[-1]
    TAMPERING[how](stream)
    status, out = run(capsys, "verify")
    assert status == 1
    assert [line for line in out.splitlines() if "log tampered with:" in line and f"PROBLEM {stream}" in line], out
    cover_tracks(stream)
    status, out = run(capsys, "verify", "--against", str(seal_file))
    assert status == 1
    assert [line for line in out.splitlines() if line.startswith(f"PROBLEM {stream}") and "since the seal" in line]
    status, out = run(capsys, "verify", "--against", token)
    assert status == 1 and "do not reproduce" in out


def test_only_a_seal_sees_a_cut_tail_once_the_heads_agree(cloud, capsys, tmp_path):
    busy_day(cloud)
    run(capsys, "seal", "--settle", "0", "--out", str(tmp_path / "seal.json"))
    delete_tail("job#1")
    cover_tracks("job#1")
    assert run(capsys, "verify")[0] == 0  # both tables agree: nothing but the seal can tell
    status, out = run(capsys, "verify", "--against", str(tmp_path / "seal.json"))
    assert status == 1
    assert "PROBLEM job#1 seq 3: log tampered with since the seal: truncated: the seal saw seq 3, the log now " \
           "ends at seq 2" in out


def test_a_log_that_grew_after_its_seal_holds_it(cloud, capsys, tmp_path):
    busy_day(cloud)
    status, out = run(capsys, "seal", "--settle", "0", "--out", str(tmp_path / "seal.json"), "--json")
    sealed = json.loads(out)
    assert status == 0 and sealed["streams"] == 8 and sealed["events"] == EVENTS
    assert json.loads((tmp_path / "seal.json").read_text())["heads"][0][0] == "account#2"
    cloud.deploy()
    cloud.run_worker()
    status, out = run(capsys, "verify", "--against", str(tmp_path / "seal.json"))
    assert status == 0 and f"8 streams, {EVENTS} events sealed; each still holds its sealed head" in out
    status, out = run(capsys, "verify", "--against", sealed["seal"])
    assert status == 0 and "reproduce it" in out
    status, out = run(capsys, "verify", "--against", sealed["digest"])  # no cut, no seal row: today's heads
    assert status == 1 and "unproven" in out


def test_seal_refuses_a_log_that_is_not_intact(cloud, capsys, tmp_path):
    busy_day(cloud)
    delete_tail("job#2")
    status, out = run(capsys, "seal", "--settle", "0", "--out", str(tmp_path / "seal.json"))
    assert status == 1 and "PROBLEM job#2 seq 3: log tampered with: tail truncated" in out
    assert not (tmp_path / "seal.json").exists()


def test_the_scheduled_sealer_logs_and_stores_a_digest_the_log_alone_reproduces(cloud, capsys):
    busy_day(cloud)
    event = cloud.client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [])
    summary = cloud.client.lambda_.invoke("log_sealer", event).payload
    logged = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert logged["jobledger_seal"] == summary["seal"]
    assert summary["streams"] == 0  # every event is younger than the settling time: nothing sealed yet
    later = sealer.record_seal(datetime.now(timezone.utc) + timedelta(seconds=400))
    capsys.readouterr()
    assert later["streams"] == 8 and later["events"] == EVENTS
    assert [s["digest"] for s in reader.read_seals()] == [summary["digest"], later["digest"]]
    assert verify_against(reader.read_log(), bare_seal(later["seal"]))[0] == []
    assert audited().clean  # seal rows are no drift
    delete_tail("job#2")
    cover_tracks("job#2")
    # the digest alone: its cut comes from the seal row, the proof from the log
    status, out = run(capsys, "verify", "--against", later["digest"])
    assert status == 1 and "log tampered with since the seal: its heads as of" in out
