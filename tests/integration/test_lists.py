"""List commands: CloudStack's shapes, filters and paging rules."""
from __future__ import annotations

import pytest


def listing(cloud, command: str, **params: str) -> dict:
    status, body = cloud.call(command=command, **params)
    assert status == 200, body
    return body[f"{command.lower()}response"]


def test_inventory_lists_show_the_documented_inventory(cloud):
    zones = listing(cloud, "listZones")
    assert zones["count"] == 1 and zones["zone"][0]["id"] == "1" and zones["zone"][0]["name"] == "San Jose 1"
    sizes = listing(cloud, "listServiceOfferings")["serviceoffering"]
    assert {(s["id"], s["name"], s["cpunumber"], s["memory"]) for s in sizes} >= {("1", "Small Instance", 1, 512)}
    assert listing(cloud, "listDiskOfferings")["diskoffering"][0]["disksize"] == 5
    template = listing(cloud, "listTemplates", templatefilter="executable")["template"][0]
    for field in ("id", "name", "hypervisor", "format", "ostypename", "displaytext"):
        assert field in template
    assert template["zonename"] == "San Jose 1"


def test_list_templates_requires_a_valid_filter(cloud):
    status, body = cloud.call(command="listTemplates")
    assert status == 431 and body["listtemplatesresponse"]["errortext"].endswith("missing parameter templatefilter")
    status, _ = cloud.call(command="listTemplates", templatefilter="bogus")
    assert status == 431
    assert listing(cloud, "listTemplates", templatefilter="self") == {}


def test_an_empty_list_is_an_empty_object(cloud):
    assert listing(cloud, "listVirtualMachines") == {}
    for command in ("listPublicIpAddresses", "listPortForwardingRules", "listIpForwardingRules"):
        assert listing(cloud, command) == {}


def test_list_virtual_machines_pages_and_filters(cloud):
    for i in range(3):
        cloud.deploy(name=f"web-{i}")
    cloud.deploy(name="db-0", startvm="false")
    cloud.run_worker()
    everything = listing(cloud, "listVirtualMachines")
    assert everything["count"] == 4 and [v["id"] for v in everything["virtualmachine"]] == ["100", "101", "102", "103"]
    second = listing(cloud, "listVirtualMachines", page="2", pagesize="3")
    assert second["count"] == 4 and [v["id"] for v in second["virtualmachine"]] == ["103"]
    assert listing(cloud, "listVirtualMachines", page="3", pagesize="3") == {"count": 4}
    assert listing(cloud, "listVirtualMachines", state="Stopped")["virtualmachine"][0]["name"] == "db-0"
    assert listing(cloud, "listVirtualMachines", keyword="web")["count"] == 3
    assert listing(cloud, "listVirtualMachines", name="db")["count"] == 1
    assert listing(cloud, "listVirtualMachines", id="101")["virtualmachine"][0]["name"] == "web-1"
    assert listing(cloud, "listVirtualMachines", zoneid="2") == {}


def test_a_vm_with_a_job_at_work_shows_the_job(cloud):
    cloud.deploy()
    vm = listing(cloud, "listVirtualMachines")["virtualmachine"][0]
    assert (vm["jobid"], vm["jobstatus"], vm["state"]) == ("1", 0, "Starting")
    cloud.run_worker()
    vm = listing(cloud, "listVirtualMachines")["virtualmachine"][0]
    assert "jobid" not in vm and vm["state"] == "Running"


@pytest.mark.parametrize("params,text", [
    ({"pagesize": "10"}, '"page" parameter is required when "pagesize" is specified'),
    ({"page": "1"}, '"pagesize" parameter is required when "page" is specified'),
    ({"page": "1", "pagesize": "-1"}, "Can't specify page parameter when pagesize is -1 (Unlimited)"),
    ({"page": "1", "pagesize": "501"}, "Page size can't exceed max allowed page size value: 500"),
    ({"page": "x", "pagesize": "5"},
     "Unable to execute API command listzones due to invalid value x for parameter page"),
])
def test_paging_errors_follow_cloudstack(cloud, params, text):
    status, body = cloud.call(command="listZones", **params)
    assert status == 431 and body["listzonesresponse"]["errortext"] == text


def test_list_async_jobs_newest_first_with_results(cloud):
    cloud.deploy()
    cloud.deploy()
    cloud.run_worker()
    jobs = listing(cloud, "listAsyncJobs")
    assert jobs["count"] == 2 and [j["jobid"] for j in jobs["asyncjobs"]] == ["2", "1"]
    assert jobs["asyncjobs"][0]["jobstatus"] == 1 and "virtualmachine" in jobs["asyncjobs"][0]["jobresult"]
    assert listing(cloud, "listAsyncJobs", startdate="2000-01-01 00:00:00")["count"] == 2
    assert listing(cloud, "listAsyncJobs", startdate="2999-01-01T00:00:00+0000") == {}
    assert listing(cloud, "listAsyncJobs", keyword="deployvm")["count"] == 2
