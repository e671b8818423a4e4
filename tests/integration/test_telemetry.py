"""The operator's view: every line the API and the worker print is JSON; metrics are CloudWatch EMF."""
from __future__ import annotations

import json
from typing import Any


def lines(capsys) -> list[dict[str, Any]]:
    out = capsys.readouterr().out
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def metrics(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Metric name -> the EMF records that carry it, each checked for the shape CloudWatch requires."""
    found: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        if "_aws" not in record:
            continue
        [directive] = record["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "jobledger" and isinstance(record["_aws"]["Timestamp"], int)
        for dimension_set in directive["Dimensions"]:
            assert all(name in record for name in dimension_set)
        for metric in directive["Metrics"]:
            assert metric["Name"] in record and metric["Unit"] in ("Count", "Milliseconds")
            found.setdefault(metric["Name"], []).append(record)
    return found


def test_requests_and_jobs_are_logged_as_json_with_emf_metrics(cloud, capsys, monkeypatch):
    monkeypatch.setenv("JOBLEDGER_TELEMETRY", "on")
    capsys.readouterr()
    jobs = [cloud.deploy()["jobid"] for _ in range(6)]  # the sixth finds the host full: 551
    cloud.run_worker()
    records = lines(capsys)  # every line parses as JSON
    requests = [r for r in records if r.get("message") == "request"]
    assert requests and all(r["command"] == "deployVirtualMachine" and r["status"] == 200 for r in requests)
    assert all(r["accountid"] == "2" and "ms" in r and r["service"] == "jobledger" for r in requests)
    finished = {r["jobid"]: r for r in records if r.get("message") in ("job succeeded", "job failed")}
    assert set(finished) == set(jobs) and finished[jobs[5]]["resultcode"] == 551
    found = metrics(records)
    assert len(found["JobsSubmitted"]) == 6 and found["JobsSubmitted"][0]["command"] == "deployVirtualMachine"
    assert len(found["JobsSucceeded"]) == 5
    assert [r["errorcode"] for r in found["JobsFailed"]] == ["551"]
    assert len(found["JobDuration"]) == 6 and [r["JobAttempts"] for r in found["JobAttempts"]] == [[1.0]] * 6


def test_telemetry_off_prints_nothing(cloud, capsys):
    capsys.readouterr()
    cloud.deploy()
    cloud.run_worker()
    assert capsys.readouterr().out == ""
