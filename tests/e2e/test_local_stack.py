"""The documented session, over HTTP, against `python -m jobledger serve`."""
from __future__ import annotations

import concurrent.futures
import time

import requests
from lxml import etree

from chalicelib.cloudstack import signing
from tests.e2e.conftest import ADMIN_KEY, ADMIN_SECRET, start_stack


def test_the_documented_xml_session(stack):
    reply = stack.get(command="deployVirtualMachine", zoneId="1", serviceOfferingId="1", diskOfferingId="1",
                      templateId="1")
    assert reply.status_code == 200 and reply.headers["Content-Type"] == "text/xml; charset=UTF-8"
    assert reply.text == ('<?xml version="1.0" encoding="UTF-8"?><deployvirtualmachineresponse '
                          'cloud-stack-version="3.0.1.6"><jobid>1</jobid><id>100</id></deployvirtualmachineresponse>')
    pending = etree.fromstring(stack.get(command="queryAsyncJobResult", jobId="1").content)
    assert pending.tag == "queryasyncjobresultresponse"
    assert [c.text for c in pending][:3] in (["1", "0", "0"], ["1", "0", "1"])
    stack.wait_for_job("1")
    done = etree.fromstring(stack.get(command="queryAsyncJobResult", jobId="1").content)
    assert [(c.tag, c.text) for c in done][:5] == [("jobid", "1"), ("jobstatus", "1"), ("jobprocstatus", "0"),
                                                   ("jobresultcode", "0"), ("jobresulttype", "object")]
    vm = done.find("jobresult/virtualmachine")
    assert vm.findtext("id") == "100" and vm.findtext("state") == "Running"
    assert vm.findtext("nic/networkid") == "205" and vm.findtext("hypervisor") == "XenServer"


def test_a_pending_job_shows_progress_while_the_worker_works(stack):
    status, body = stack.json(command="deployVirtualMachine", zoneid="1", serviceofferingid="1", templateid="1")
    jobid = body["deployvirtualmachineresponse"]["jobid"]
    seen = set()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        job = stack.json(command="queryAsyncJobResult", jobid=jobid)[1]["queryasyncjobresultresponse"]
        seen.add((job["jobstatus"], job["jobprocstatus"]))
        if job["jobstatus"]:
            break
        time.sleep(0.02)
    assert (0, 1) in seen and (1, 0) in seen


def test_capacity_races_leave_exactly_five_running_vms(stack):
    def deploy(_: int) -> str:
        status, body = stack.json(command="deployVirtualMachine", zoneid="1", serviceofferingid="1", templateid="1")
        assert status == 200, body
        return body["deployvirtualmachineresponse"]["jobid"]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        jobids = list(pool.map(deploy, range(12)))
    jobs = [stack.wait_for_job(j) for j in jobids]
    assert sorted(j["jobstatus"] for j in jobs) == [1] * 5 + [2] * 7
    for failed in (j for j in jobs if j["jobstatus"] == 2):
        vmid = failed["jobinstanceid"]
        assert failed["jobresult"] == {
            "errorcode": 551, "errortext": f"Unable to deploy virtual machine id = {vmid} due to not enough capacity"}
    addresses = [j["jobresult"]["virtualmachine"]["nic"][0]["ipaddress"] for j in jobs if j["jobstatus"] == 1]
    assert len(set(addresses)) == 5


def test_errors_are_cloudstack_error_responses(stack):
    reply = stack.get(command="deployVirtualMachine", serviceofferingid="1", templateid="1", response="json")
    assert reply.status_code == 431
    assert reply.headers["X-Description"] == (
        "Unable to execute API command deployvirtualmachine due to missing parameter zoneid")
    assert reply.json()["deployvirtualmachineresponse"]["errorcode"] == 431
    unknown = stack.get(command="launchMissiles")  # verified: CloudStack 4.x's 432, told only to a key's owner
    assert unknown.status_code == 432 and b"<errorresponse" in unknown.content
    assert stack.get(signed=False, apiKey="nobody", signature="x", command="launchMissiles").status_code == 401
    assert stack.get(command="queryAsyncJobResult", jobid="12345").status_code == 431
    put = requests.put(stack.url, params={"command": "listZones"}, timeout=10)
    assert put.status_code == 405 and put.headers["X-Description"].startswith("Method PUT is not allowed")
    assert stack.get(command="queryAsyncJobResult", jobid="\x00'; drop").status_code == 431


def test_a_form_post_is_answered_like_a_get(stack):
    pairs = signing.signed([("command", "deployVirtualMachine"), ("zoneid", "1"), ("serviceofferingid", "1"),
                            ("templateid", "1"), ("response", "json")], ADMIN_KEY, ADMIN_SECRET)
    reply = requests.post(stack.url, data=pairs, timeout=10)
    assert reply.status_code == 200
    assert reply.json()["deployvirtualmachineresponse"]["jobid"] == "1"


def test_sigterm_stops_the_stack_cleanly(stack):
    assert stack.stop() == 0


def test_unsigned_requests_are_refused(stack):
    reply = stack.get(signed=False, command="listZones", response="json")
    assert reply.status_code == 401
    assert reply.json() == {"listzonesresponse": {
        "uuidList": [], "errorcode": 401, "errortext": "unable to verify user credentials and/or request signature"}}


def test_allow_unsigned_serves_the_documentation_session_as_written():
    running = start_stack("--allow-unsigned", "--provision-seconds", "0")
    try:
        reply = requests.get(running.url + "?command=deployVirtualMachine&zoneId=1&serviceOfferingId=1"
                                           "&diskOfferingId=1&templateId=1", timeout=10)
        assert reply.text.endswith("<jobid>1</jobid><id>100</id></deployvirtualmachineresponse>")
        unknown = requests.get(running.url + "?command=launchMissiles", timeout=10)
        assert unknown.status_code == 432
    finally:
        running.stop()
