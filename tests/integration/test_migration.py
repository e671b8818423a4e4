"""Migration the event-sourced way: the state table is a projection of the log, so a new key layout is reached
by replaying the log into an empty table. A log exported from the first layout (`data/layout-v1/`, made by
`layout_v1_day.py` with that code) imports into the current one, answers every listing as it did there, audits
clean, and goes on giving fresh ids."""
from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, Iterator

import pytest
from chalice.test import Client
from moto import mock_aws

from app import app
from chalicelib.aws import models, queue, statetable
from chalicelib.aws.models import StateRecord
from jobledger.audit import reader, report, restore
from jobledger.__main__ import main
from tests.harness import Cloud
from tests.integration.conftest import ADMIN_KEY, ADMIN_SECRET
from tests.integration.layout_v1_day import answers, more_of_the_day
from tests.integration.test_audit import busy_day

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


def shapes(answers_: dict[str, Any]) -> dict[str, Any]:
    """What the state table's layout decides in each answer: the status, the count, which items and in what
    order (by id), a job's status; not how fields are rendered (which changes with the API, not the keys)."""
    return {question: _shape(*answer) for question, answer in _plain(answers_).items()}


def _shape(status: int, body: dict[str, Any]) -> Any:
    root = next(iter(body.values()))
    if "jobstatus" in root:
        return status, root["jobstatus"], root.get("jobresultcode"), root.get("jobinstanceid")
    items = {name: [_item_id(i) for i in value] for name, value in root.items() if isinstance(value, list)}
    return status, root.get("count"), items


def _item_id(item: Any) -> str:
    if not isinstance(item, dict):
        return str(item)
    return str(item.get("id") or item.get("jobid") or item.get("name") or f"{item.get('resourceid')}/{item.get('key')}")


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
    assert shapes(answers(empty_cloud, day_keys)) == shapes(recorded)
    # the stack goes on: ids past every id the log used, and the audit stays clean
    new = empty_cloud.deploy()
    assert int(new["jobid"]) > done.counters["job"] and int(new["id"]) > done.counters["vm"]
    empty_cloud.run_worker()
    assert empty_cloud.job(new["jobid"])["jobstatus"] == 1
    assert report.audit(reader.read_log(), reader.read_state()).clean


def test_a_deployed_stack_moves_to_a_new_state_table_rebuilt_from_its_events_table(cloud, capsys, tmp_path):
    """docs/DEPLOY.md's procedure: secrets exported, the new (empty) state table made, `audit rebuild-state`
    replays the events table into it (the events are not touched), the API answers as before."""
    day = busy_day(cloud)
    more_of_the_day(cloud, day)
    script = base64.b64encode(b"#cloud-config\nhostname: migrated\n").decode("ascii")
    vmid = cloud.ok(command="deployVirtualMachine", zoneid="1", serviceofferingid="1", templateid="1",
                    userdata=script)["id"]
    cloud.run_worker()
    before = shapes(answers(cloud, day))
    restore.write_secrets_file(tmp_path / "secrets.json", restore.read_secrets())
    events_before = reader.read_log()
    StateRecord.delete_table()  # on AWS the old table is retained under its name; the stage uses the new one
    StateRecord.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
    assert main(["audit", "rebuild-state", "--secrets", str(tmp_path / "secrets.json")]) == 0
    assert "rebuilt" in capsys.readouterr().out
    assert reader.read_log() == events_before
    assert shapes(answers(cloud, day)) == before
    kept = cloud.ok(command="getVirtualMachineUserData", virtualmachineid=vmid)["virtualmachineuserdata"]
    assert kept["userdata"] == script  # carried over with the secrets: user data is not in the log either
    assert report.audit(reader.read_log(), reader.read_state()).clean
    assert main(["audit", "rebuild-state"]) == 1  # never over rows already there
    assert "the state table is not empty" in capsys.readouterr().err


def test_a_local_data_dir_of_the_first_layout_is_rebuilt_into_the_current_one(cloud):
    """`serve --data-dir` restores a dir written before the key redesign: its events, its old state table
    (`jobledger-state`, keys (kind, id)) and an empty current one. The current one is rebuilt from the log, with
    the secrets read from the old table."""
    import boto3

    from jobledger.local_restore import OLD_STATE_TABLE, rebuild_old_layout

    day = busy_day(cloud)
    script = base64.b64encode(b"#!/bin/sh\necho old\n").decode("ascii")
    vmid = cloud.ok(command="deployVirtualMachine", zoneid="1", serviceofferingid="1", templateid="1",
                    userdata=script)["id"]
    cloud.run_worker()
    before = shapes(answers(cloud, day))
    client = boto3.client("dynamodb", region_name="us-east-1")
    client.create_table(TableName=OLD_STATE_TABLE, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "kind", "KeyType": "HASH"},
                                   {"AttributeName": "id", "KeyType": "RANGE"}],
                        AttributeDefinitions=[{"AttributeName": "kind", "AttributeType": "S"},
                                              {"AttributeName": "id", "AttributeType": "S"}])
    for row in StateRecord.scan():  # the old layout's rows, as far as the rebuild reads them
        client.put_item(TableName=OLD_STATE_TABLE, Item={
            "kind": {"S": row.kind}, "id": {"S": row.id}, "data": {"S": json.dumps(row.as_dict())}})
    assert not rebuild_old_layout()  # the current table has rows: nothing to rebuild
    StateRecord.delete_table()
    StateRecord.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
    assert rebuild_old_layout()
    assert shapes(answers(cloud, day)) == before
    kept = cloud.ok(command="getVirtualMachineUserData", virtualmachineid=vmid)["virtualmachineuserdata"]
    assert kept["userdata"] == script
    assert report.audit(reader.read_log(), reader.read_state()).clean
