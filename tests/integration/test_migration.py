"""Migration the event-sourced way: the state table is a projection of the log, so a new key layout is reached
by replaying the log into an empty table. A log exported from the first layout (`data/layout-v1/`, made by
`layout_v1_day.py` with that code) imports into the current one, answers every listing as it did there, audits
clean, and goes on giving fresh ids."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest
from chalice.test import Client
from moto import mock_aws

from app import app
from chalicelib.aws import models, queue, statetable
from jobledger.audit import reader, report, restore
from tests.harness import Cloud
from tests.integration.conftest import ADMIN_KEY, ADMIN_SECRET
from tests.integration.layout_v1_day import answers

V1 = Path(__file__).parent / "data" / "layout-v1"


@pytest.fixture
def empty_cloud() -> Iterator[Cloud]:
    statetable.LEASES.forget()
    with mock_aws():
        models.create_tables()
        queue.create_queues()
        with Client(app) as client:
            yield Cloud(client, (ADMIN_KEY, ADMIN_SECRET))


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value))


def test_a_log_exported_from_the_first_layout_imports_answers_the_same_and_audits_clean(empty_cloud):
    day = json.loads((V1 / "day.json").read_text(encoding="utf-8"))
    secrets = restore.read_secrets_file(V1 / "secrets.json")
    with open(V1 / "events.jsonl", encoding="utf-8") as lines:
        done = restore.import_log(lines, secrets)
    assert (done.unfinished, done.keys_without_secret) == ([], [])
    result = report.audit(reader.read_log(), reader.read_state())
    assert result.clean, [str(p) for p in [*result.problems, *result.divergences]]
    recorded = json.loads((V1 / "answers.json").read_text(encoding="utf-8"))
    day_keys = {"jobs": day["jobs"], "alice": {"keys": tuple(day["alice"])}}
    assert _plain(answers(empty_cloud, day_keys)) == recorded
    # the stack goes on: ids past every id the log used, and the audit stays clean
    new = empty_cloud.deploy()
    assert int(new["jobid"]) > done.counters["job"] and int(new["id"]) > done.counters["vm"]
    empty_cloud.run_worker()
    assert empty_cloud.job(new["jobid"])["jobstatus"] == 1
    assert report.audit(reader.read_log(), reader.read_state()).clean
