"""Schema evolution: an event stored as v1 is read as today's version through the upcaster chain, while its
hash, which covers the stored form, still verifies. Versions this code cannot read are named."""
from __future__ import annotations

from jobledger.audit import history, reader, report
from chalicelib.aws import eventlog
from chalicelib.aws.eventlog import to_record
from chalicelib.aws.models import EventRecord
from chalicelib.core import events as ev


def _v2_origin(data: dict) -> dict:
    """v2 of JobSubmitted records where the job came from; every v1 job came through the API."""
    return {**data, "origin": "api"}


def _v3_channel(data: dict) -> dict:
    """v3 renames v2's `origin` to `channel`."""
    out = {k: v for k, v in data.items() if k != "origin"}
    return {**out, "channel": data["origin"]}


def test_a_v1_event_is_read_back_through_a_v2_change(cloud, monkeypatch):
    cloud.deploy()
    cloud.run_worker()
    monkeypatch.setitem(ev.CURRENT_SCHEMA, ev.JOB_SUBMITTED, 2)
    monkeypatch.setitem(ev.UPCASTERS, (ev.JOB_SUBMITTED, 1), _v2_origin)
    stored = EventRecord.get("job#1", 1, consistent_read=True)
    assert stored.schema == 1 and "origin" not in stored.data  # the log is never rewritten
    submitted = eventlog.load_stream("job#1")[0]
    assert submitted.data["origin"] == "api" and submitted.data["command"] == "deployVirtualMachine"
    result = report.audit(reader.read_log(), reader.read_state())
    assert result.clean  # the hash covers the stored v1 form; replay folds the v2 form
    assert cloud.job("1")["jobstatus"] == 1
    entry = history.history("1", reader.read_stream("job#1"))["events"][0]
    assert (entry["schema"], entry["data"]["origin"]) == (1, "api")


def test_a_v1_event_goes_through_every_step_of_the_chain(cloud, monkeypatch):
    cloud.deploy()
    monkeypatch.setitem(ev.CURRENT_SCHEMA, ev.JOB_SUBMITTED, 3)
    monkeypatch.setitem(ev.UPCASTERS, (ev.JOB_SUBMITTED, 1), _v2_origin)
    monkeypatch.setitem(ev.UPCASTERS, (ev.JOB_SUBMITTED, 2), _v3_channel)
    data = eventlog.load_stream("job#1")[0].data
    assert data["channel"] == "api" and "origin" not in data
    assert report.verify(reader.read_log()).problems == []


def test_schema_versions_this_code_cannot_read_are_named(cloud, monkeypatch):
    cloud.deploy()
    [future] = ev.chained(None, [ev.Event("job#7", 1, ev.JOB_SUBMITTED, {"command": "deployVirtualMachine"},
                                          ev.now_iso(), {"userid": "2"}, schema=4)])
    to_record(future).save()
    monkeypatch.setitem(ev.CURRENT_SCHEMA, ev.JOB_SUBMITTED, 3)
    monkeypatch.setitem(ev.UPCASTERS, (ev.JOB_SUBMITTED, 2), _v3_channel)  # no step from v1 to v2
    problems = [str(p) for p in report.verify(reader.read_log()).problems]
    assert problems == ["job#1 seq 1: JobSubmitted v1 has no upcaster chain to v3",
                        "job#7 seq 1: JobSubmitted schema v4 is unknown (this code reads v1 to v3)"]
