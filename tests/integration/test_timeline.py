"""listJobEvents and listHosts against moto: a job's stream as stored, seen by whoever may see the job (a foreign
job reads as a missing one, 431, as with queryAsyncJobResult), and each host's capacity for root admins only."""
from __future__ import annotations

import json

from chalicelib.aws.models import EventRecord
from chalicelib.cloudstack import signing
from chalicelib.core.events import GENESIS, Event, content_hash
from tests.integration.test_tenancy import NOT_AVAILABLE, tenant


def events_of(cloud, jobid: str, as_=None) -> list[dict]:
    return cloud.ok(as_, command="listJobEvents", jobid=jobid)["event"]


def recomputed(items: list[dict]) -> list[bool]:
    """What the console checks: each hash against the event's fields and the previous hash as received."""
    out, previous = [], GENESIS
    for item in items:
        fields = {k: item[k] for k in ("stream", "seq", "type", "schema", "at", "actor", "data")}
        out.append(content_hash(Event(**fields), previous) == item["hash"])
        previous = item["hash"]
    return out


def test_a_finished_job_lists_its_whole_life_in_order_with_every_link_intact(cloud):
    jobid = cloud.deploy()["jobid"]
    cloud.run_worker()
    items = events_of(cloud, jobid)
    assert [(e["seq"], e["type"]) for e in items] == [
        (1, "JobSubmitted"), (2, "JobStarted"), (3, "JobCompleted")]
    assert {e["stream"] for e in items} == {f"job#{jobid}"}
    assert items[0]["actor"] == {"accountid": "2", "userid": "2", "domainid": "1"}
    assert items[1]["actor"]["worker"] == "vm" and items[1]["data"] == {"attempt": 1, "procstatus": 1}
    assert recomputed(items) == [True] * 3


def test_a_failed_job_shows_its_code_and_text(cloud):
    for _ in range(6):  # the host holds five Small Instances
        cloud.deploy()
    cloud.run_worker()
    failed = events_of(cloud, "6")[-1]
    assert failed["type"] == "JobFailed" and failed["data"]["code"] == 551
    assert failed["data"]["text"] == "Unable to deploy virtual machine id = 105 due to not enough capacity"


def test_a_pending_job_lists_what_has_happened_so_far(cloud):
    jobid = cloud.deploy()["jobid"]
    assert [e["type"] for e in events_of(cloud, jobid)] == ["JobSubmitted"]


def test_events_are_answered_as_stored_so_an_edit_shows_as_a_broken_link(cloud):
    jobid = cloud.deploy()["jobid"]
    cloud.run_worker()
    record = EventRecord.get(f"job#{jobid}", 2)  # the JobStarted
    record.data = {"attempt": 1, "procstatus": 9}  # behind the API's back, hash left as it was
    record.save()
    items = events_of(cloud, jobid)
    assert items[1]["data"] == {"attempt": 1, "procstatus": 9}
    assert recomputed(items) == [True, False, True]  # seq 3 links to seq 2's stored hash, still intact


def test_a_foreign_job_answers_exactly_as_a_missing_one(cloud):
    alice, bob = tenant(cloud, "alice"), tenant(cloud, "bob")
    status, body = cloud.call(as_=alice, command="deployVirtualMachine", zoneid="1", serviceofferingid="1",
                              templateid="1")
    jobid = body["deployvirtualmachineresponse"]["jobid"]
    cloud.run_worker()
    assert len(events_of(cloud, jobid, as_=alice)) == 3
    assert len(events_of(cloud, jobid)) == 3  # the root admin sees every job
    foreign = cloud.call(as_=bob, command="listJobEvents", jobid=jobid)
    missing = cloud.call(as_=bob, command="listJobEvents", jobid="9999")
    assert foreign[0] == missing[0] == 431
    assert foreign[1]["listjobeventsresponse"]["errortext"].replace(jobid, "N") == \
        missing[1]["listjobeventsresponse"]["errortext"].replace("9999", "N")


def test_a_job_id_must_be_given_and_numeric(cloud):
    assert cloud.call(command="listJobEvents")[0] == 431
    status, body = cloud.call(command="listJobEvents", jobid="job#1")
    assert status == 431 and "invalid value" in body["listjobeventsresponse"]["errortext"]


def test_xml_carries_actor_and_data_as_json_text(cloud):
    jobid = cloud.deploy()["jobid"]
    reply = cloud.raw(signing.signed([("command", "listJobEvents"), ("jobid", jobid)], *cloud.keys))
    assert reply.status == 200 and reply.headers["Content-Type"].startswith("text/xml")
    assert '<listjobeventsresponse cloud-stack-version="3.0.1.6"><count>1</count><event>' in reply.body
    data = reply.body.split("<data>")[1].split("</data>")[0]
    assert json.loads(data.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))["jobid"] == jobid


def test_hosts_show_allocated_and_total_capacity_to_root_admins(cloud):
    cloud.deploy()
    cloud.run_worker()
    host = cloud.ok(command="listHosts")["host"][0]
    assert (host["id"], host["name"], host["zonename"], host["hypervisor"]) == (
        "2", "905-13.sjc.lab.vmops.com", "San Jose 1", "XenServer")
    assert (host["cpunumber"], host["cpuspeed"], host["cpuallocatedvalue"], host["cpuallocated"]) == (
        2, 1250, 500, "20.00%")
    assert (host["memorytotal"], host["memoryallocated"]) == (3072 * 2 ** 20, 512 * 2 ** 20)


def test_hosts_are_not_available_to_users_or_domain_admins(cloud):
    user = tenant(cloud, "carol")
    status, body = cloud.call(command="createDomain", name="Eng")
    boss = tenant(cloud, "boss", accounttype="2", domainid=body["createdomainresponse"]["domain"]["id"])
    for keys in (user, boss):
        status, body = cloud.call(as_=keys, command="listHosts")
        assert status == 432 and body["listhostsresponse"]["errortext"] == NOT_AVAILABLE


def test_hosts_filter_by_zone(big_cloud):
    every = big_cloud.ok(command="listHosts")
    zone = every["host"][0]["zoneid"]
    some = big_cloud.ok(command="listHosts", zoneid=zone)
    assert 0 < some["count"] < every["count"] and {h["zoneid"] for h in some["host"]} == {zone}
