"""The audit against moto: replay rebuilds what the store holds; tampering with the log or the state is named."""
from __future__ import annotations

import io
import os
import stat
import time
from typing import Any

from jobledger.audit import reader, report, restore
from jobledger.audit.replay import as_of_instant
from chalicelib.aws import models, queue, statetable
from chalicelib.aws.eventlog import to_record
from chalicelib.aws.models import EventRecord, StateRecord
from chalicelib.core import events as ev
from jobledger.local import restore_log, save_log


def tenant(cloud, username: str) -> dict[str, Any]:
    """An account with one user and a key pair, made through the API."""
    status, body = cloud.call(command="createAccount", username=username, password="pw", email=f"{username}@x",
                              firstname=username, lastname="T", accounttype="0")
    assert status == 200, body
    account = body["createaccountresponse"]["account"]
    keys = cloud.call(command="registerUserKeys", id=account["user"][0]["id"])[1]["registeruserkeysresponse"]
    return {"accountid": account["id"], "userid": account["user"][0]["id"],
            "keys": (keys["userkeys"]["apikey"], keys["userkeys"]["secretkey"])}


def submit(cloud, as_: Any = None, **params: str) -> str:
    status, body = cloud.call(as_=as_, **params)
    assert status == 200, body
    return body[f"{params['command'].lower()}response"]["jobid"]


def busy_day(cloud) -> dict[str, Any]:
    """Deploys (one refused for capacity), stop, expunge, tenants, a disabled user, a deleted account, and one
    job still pending: every kind of stream and state row."""
    alice, bob = tenant(cloud, "alice"), tenant(cloud, "bob")
    jobs = [submit(cloud, command="deployVirtualMachine", zoneid="1", serviceofferingid="1", templateid="1")
            for _ in range(4)]
    jobs += [submit(cloud, as_=alice["keys"], command="deployVirtualMachine", zoneid="1", serviceofferingid="1",
                    templateid="1") for _ in range(2)]
    cloud.run_worker()
    jobs += [submit(cloud, command="stopVirtualMachine", id="100"),
             submit(cloud, command="destroyVirtualMachine", id="101", expunge="true"),
             submit(cloud, command="disableUser", id=bob["userid"]),
             submit(cloud, command="deleteAccount", id=bob["accountid"])]
    cloud.run_worker()
    jobs.append(submit(cloud, command="rebootVirtualMachine", id="102"))  # left pending
    return {"jobs": jobs, "alice": alice, "bob": bob}


def audited(as_of: str | None = None) -> report.Audit:
    rows = None if as_of else reader.read_state()
    return report.audit(reader.read_log(), rows, as_of)


def named(result: report.Audit) -> list[str]:
    return [str(p) for p in result.problems] + [str(d) for d in result.divergences]


def test_replay_of_a_clean_log_reports_zero_divergences(cloud):
    day = busy_day(cloud)
    result = audited()
    assert result.problems == [] and result.divergences == [] and result.clean
    assert result.verified.warnings == []  # every event linked to the one before it: no weak links
    totals = report.totals(result)
    assert totals["jobs"] == len(day["jobs"]) == 11
    assert totals["jobs_by_status"] == {"pending": 1, "succeeded": 9, "failed": 1}
    assert totals["vms_by_state"] == {"Error": 1, "Expunging": 1, "Running": 3, "Stopped": 1}
    assert totals["leases"] == 4 and totals["hosts"][0]["free_cpu"] == 2500 - 3 * 500
    assert totals["streams_by_kind"] == {"account": 3, "domain": 1, "inventory": 1, "job": 11, "user": 3}


def test_replay_rebuilds_every_host_and_network_of_a_two_zone_cloud(big_cloud):
    ids = [big_cloud.deploy()["id"] for _ in range(3)]
    ids += [big_cloud.deploy(templateid="2")["id"], big_cloud.deploy(zoneid="2", templateid="3")["id"],
            big_cloud.deploy(networkids="206", startvm="false")["id"]]
    big_cloud.run_worker()
    for command, vmid in (("stopVirtualMachine", ids[0]), ("startVirtualMachine", ids[5]),
                          ("destroyVirtualMachine", ids[3])):
        submit(big_cloud, command=command, id=vmid)
    big_cloud.run_worker()
    result = audited()
    assert result.clean
    used = {h["id"]: (h["cpu"] - h["free_cpu"], h["running"]) for h in report.totals(result)["hosts"]}
    assert sum(n for _, n in used.values()) == 4 and len(used) == 5
    assert {row["data"]["networkid"] for _, row in result.rebuilt.table.of_kind("lease")} == {"205", "206", "305"}


def test_an_edited_result_is_named_with_what_clients_would_now_see(cloud):
    busy_day(cloud)
    record = EventRecord.get("job#1", 3, consistent_read=True)
    assert "result" not in record.data  # the result clients see is rendered from the VM document the event keeps
    record.data = dict(record.data, vm=dict(record.data["vm"], state="Stopped"))
    record.save()
    found = named(audited())
    assert found[0].startswith("job#1 seq 3: JobCompleted altered: its content or its link to seq 2 does not "
                               "match its hash")
    # the summary row still says what happened; clients reading the stream would now be told otherwise
    assert "job 1 data.resultvm.vm.state: stored Running, replayed Stopped" in found
    assert "job 1 queryAsyncJobResult.jobresult.virtualmachine.state: stored Running, replayed Stopped" in found


def test_a_deleted_middle_event_is_named(cloud):
    busy_day(cloud)
    EventRecord.get("job#2", 2, consistent_read=True).delete()
    result = audited()
    assert str(result.problems[0]) == "job#2 seq 2: missing: seq 2 deleted (seq 3 follows seq 1)"
    # what follows the gap cannot be folded: the job replays as pending, which the stored row contradicts
    assert "job 2 data.status: stored 1, replayed 0" in named(result)


def test_an_event_after_the_terminal_one_is_named(cloud):
    busy_day(cloud)
    stream = reader.read_stream("job#3")
    assert stream[-1].seq == 3 and stream[-1].type in ev.TERMINAL_TYPES
    extra = ev.chained(stream[-1], [ev.new_event("job#3", 4, ev.JOB_PROGRESSED, {"procstatus": 1},
                                                 {"worker": "intruder"})])
    to_record(extra[0]).save()
    result = audited()
    assert [str(p) for p in result.problems] == [
        "job#3 seq 4: illegal transition: JobProgressed after the terminal event",
        "job#3 seq 4: log tampered with: seq 4 past the head the state rows record (seq 3): added outside the store"]
    assert result.divergences == []  # replay stops before it: the rest agrees


def test_state_rows_changed_behind_the_logs_back_are_named(cloud):
    busy_day(cloud)
    host = statetable.get("host", "2")
    host.free_cpu = 2500
    host.save()
    vm = statetable.get("vm", "103")
    vm.vmstate = "Stopped"
    vm.data = dict(vm.data, state="Stopped")
    vm.save()
    StateRecord("lease", "205#10.1.1.99", holder="999", data={"networkid": "205", "ip": "10.1.1.99",
                                                               "vmid": "999"}).save()
    job = statetable.get("job", "7")
    job.data = dict(job.data, status=2, errortext="made up", resultcode=530)
    job.save()
    found = named(audited())
    assert "host 2 free_cpu: stored 2500, replayed 1000" in found
    assert "vm 103 data.state: stored Stopped, replayed Running" in found
    assert "vm 103 vmstate: stored Stopped, replayed Running" in found
    assert "lease 205#10.1.1.99 row: stored present, replayed (absent)" in found
    assert "job 7 data.status: stored 2, replayed 1" in found
    assert "job 7 queryAsyncJobResult.jobstatus: stored 2, replayed 1" in found


def test_a_key_whose_secret_is_not_the_logged_one_is_named(cloud):
    day = busy_day(cloud)
    key = statetable.get("apikey", day["alice"]["keys"][0])
    key.data = dict(key.data, secret="planted")
    key.save()
    assert any(d.startswith(f"apikey {key.id} data.secret: stored a secret, replayed the secret whose digest is")
               for d in named(audited()))


def test_as_of_replays_each_jobs_status_and_each_hosts_capacity_at_that_instant(cloud):
    before = as_of_instant("2000-01-01T00:00:00Z")
    for _ in range(2):
        submit(cloud, command="deployVirtualMachine", zoneid="1", serviceofferingid="1", templateid="1")
    cloud.run_worker()
    time.sleep(0.005)  # the instant falls strictly between two events (times have millisecond precision)
    then = ev.now_iso()
    time.sleep(0.005)
    submit(cloud, command="stopVirtualMachine", id="100")
    cloud.run_worker()
    past = audited(then)
    assert {j: s.status for j, s in past.rebuilt.jobs.items()} == {"1": 1, "2": 1}
    assert report.totals(past)["hosts"][0]["free_cpu"] == 2500 - 2 * 500
    now = audited()
    assert {j: s.status for j, s in now.rebuilt.jobs.items()} == {"1": 1, "2": 1, "3": 1}
    assert report.totals(now)["hosts"][0]["free_cpu"] == 2500 - 500
    assert audited(before).rebuilt.jobs == {} and audited(before).rebuilt.events == 0


def test_export_then_import_into_empty_tables_answers_the_api_the_same(cloud):
    day = busy_day(cloud)
    alice = day["alice"]["keys"]

    def answers() -> list[Any]:
        return [*(cloud.call(command="queryAsyncJobResult", jobid=j) for j in day["jobs"]),
                cloud.call(command="listVirtualMachines", listall="true"),
                cloud.call(as_=alice, command="listVirtualMachines"),
                cloud.call(command="listAsyncJobs", listall="true"),
                cloud.call(command="listAccounts", listall="true"),
                cloud.raw([("command", "listZones")]).body]

    before = answers()
    exported = io.StringIO()
    count = restore.export_log(exported)
    secrets = restore.read_secrets()
    for model in (EventRecord, StateRecord):
        model.delete_table()
    models.create_tables()
    done = restore.import_log(io.StringIO(exported.getvalue()), secrets)
    assert (done.events, done.unfinished, done.keys_without_secret) == (count, [day["jobs"][-1]], [])
    assert answers() == before
    assert audited().clean
    # ids never repeat, and the pending job goes on where it was
    cloud.run_worker()
    assert cloud.job(day["jobs"][-1])["jobstatus"] == 1
    new = cloud.deploy()
    assert (int(new["jobid"]), int(new["id"])) == (len(day["jobs"]) + 1, 106)
    assert audited().clean


def test_export_is_stable_and_import_refuses_a_broken_log_or_full_tables(cloud):
    busy_day(cloud)
    first, second = io.StringIO(), io.StringIO()
    restore.export_log(first)
    restore.export_log(second)
    assert first.getvalue() == second.getvalue()
    lines = first.getvalue().splitlines()
    assert lines[0].startswith('{"stream":"inventory","seq":1,"type":"InventoryLoaded","schema":1,"at":')
    refused = _refusal(lines)
    assert refused == "the tables are not empty: import writes only into empty tables"
    for model in (EventRecord, StateRecord):
        model.delete_table()
    models.create_tables()
    edited = [line.replace('"procstatus":1', '"procstatus":2', 1) if '"job#1","seq":2' in line else line
              for line in lines]
    assert edited != lines
    assert _refusal(edited).startswith("the log is not intact:\njob#1 seq 2: JobStarted altered")
    assert reader.is_empty()


def _refusal(lines: list[str]) -> str:
    try:
        restore.import_log(lines)
    except restore.ImportRefused as exc:
        return str(exc)
    raise AssertionError("the import was not refused")


def test_a_data_dir_keeps_the_log_and_sends_unfinished_jobs_again(cloud, tmp_path):
    day = busy_day(cloud)
    save_log(str(tmp_path))
    assert stat.S_IMODE(os.stat(tmp_path / "secrets.json").st_mode) == 0o600
    for model in (EventRecord, StateRecord):
        model.delete_table()
    queue.client().purge_queue(QueueUrl=queue.queue_url())  # a fresh emulator: no tables, no messages
    restored = restore_log(str(tmp_path))
    assert restored is not None and restored.unfinished == [day["jobs"][-1]]
    assert cloud.run_worker() == 1
    assert cloud.job(day["jobs"][-1])["jobstatus"] == 1
    assert audited().clean
