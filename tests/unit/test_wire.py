"""Rendering against the documentation's own examples (tests/unit/golden, copied from the reference page)."""
from __future__ import annotations

import json
from pathlib import Path

from lxml import etree

from chalicelib.cloudstack import wire
from chalicelib.core.fold import FAILED, PENDING, SUCCEEDED, JobState

GOLDEN = Path(__file__).parent / "golden"
VERSION = "3.0.1.6"


def golden(name: str) -> etree._Element:
    parser = etree.XMLParser(remove_blank_text=True)
    return etree.fromstring(GOLDEN.joinpath(name).read_bytes(), parser)


def documented_vm() -> dict:
    """The virtualmachine of the documentation's success example, as a dict in its order."""
    vm = golden("succeeded.xml").find("jobresult/virtualmachine")
    out: dict = {}
    for child in vm:
        if child.tag == "nic":
            out["nic"] = [{c.tag: c.text for c in child}]
        else:
            out[child.tag] = child.text
    return out


def leading(element: etree._Element, names: list[str]) -> list[tuple[str, str]]:
    """The first children of `element` as (tag, canonical text), to compare with a golden example."""
    out = []
    for child in list(element)[: len(names)]:
        out.append((child.tag, etree.tostring(child, method="c14n").decode()))
    return out


def job(status: int, **kw) -> JobState:
    return JobState(jobid="1", command="deployVirtualMachine", cmd="com.cloud.api.commands.DeployVMCmd",
                    created="2011-03-10T18:20:25-08:00", accountid="2", userid="2", instancetype="VirtualMachine",
                    instanceid="100", status=status, **kw)


def render_xml(payload: dict, root: str = "queryasyncjobresultresponse") -> etree._Element:
    body = wire.render(root, payload, "xml", VERSION).body
    assert body.startswith('<?xml version="1.0" encoding="UTF-8"?><')
    return etree.fromstring(body.encode())


def test_submission_answer_matches_the_documentation():
    rendered = render_xml({"jobid": "1", "id": "100"}, "deployvirtualmachineresponse")
    expected = golden("deploy.xml")
    assert [(c.tag, c.text) for c in rendered] == [(c.tag, c.text) for c in expected]
    assert rendered.get("cloud-stack-version") == VERSION


def test_pending_answer_matches_the_documentation():
    rendered = render_xml(wire.job_result_payload(job(PENDING, procstatus=1), "xml"))
    expected = golden("pending.xml")
    assert rendered.tag == "queryasyncjobresultresponse"  # the name every real server uses
    assert leading(rendered, [c.tag for c in expected]) == leading(expected, [c.tag for c in expected])


def test_success_answer_matches_the_documentation_field_for_field():
    result = {"virtualmachine": documented_vm()}
    rendered = render_xml(wire.job_result_payload(job(SUCCEEDED, resultcode=0, result=result), "xml"))
    expected = golden("succeeded.xml")
    names = [c.tag for c in expected]
    assert leading(rendered, names) == leading(expected, names)
    assert rendered.get("cloud-stack-version") == expected.get("cloud-stack-version")


def test_failure_answer_matches_the_documentation_in_xml():
    text = "Unable to deploy virtual machine id = 100 due to not enough capacity"
    rendered = render_xml(wire.job_result_payload(job(FAILED, resultcode=551, errortext=text), "xml"))
    expected = golden("failed.xml")
    names = [c.tag for c in expected]
    assert leading(rendered, names) == leading(expected, names)


def test_failure_in_json_is_an_object_with_code_and_text():
    text = "Unable to deploy virtual machine id = 100 due to not enough capacity"
    body = wire.render("queryasyncjobresultresponse",
                       wire.job_result_payload(job(FAILED, resultcode=551, errortext=text), "json"), "json", VERSION)
    answer = json.loads(body.body)["queryasyncjobresultresponse"]
    assert list(answer)[:6] == ["jobid", "jobstatus", "jobprocstatus", "jobresultcode", "jobresulttype", "jobresult"]
    assert answer["jobresulttype"] == "object"
    assert answer["jobresult"] == {"errorcode": 551, "errortext": text}
    assert (answer["jobid"], answer["jobstatus"], answer["jobresultcode"]) == ("1", 2, 551)


def test_json_success_keeps_native_types_and_ids_as_strings():
    result = {"virtualmachine": {"id": "100", "cpunumber": 1, "haenable": False, "nic": [{"id": "561"}]}}
    payload = wire.job_result_payload(job(SUCCEEDED, resultcode=0, result=result), "json")
    body = wire.render("r", payload, "json", VERSION)
    assert body.content_type == "application/json; charset=UTF-8"
    expected = '"jobresult":{"virtualmachine":{"id":"100","cpunumber":1,"haenable":false,"nic":[{"id":"561"}]}}'
    assert expected in body.body


def test_error_response_shapes():
    as_json = wire.render_error("deployvirtualmachineresponse", 431, "bad", 9999, "json", VERSION)
    assert json.loads(as_json.body) == {"deployvirtualmachineresponse": {
        "uuidList": [], "errorcode": 431, "cserrorcode": 9999, "errortext": "bad"}}
    as_xml = etree.fromstring(wire.render_error("errorresponse", 432, "x", 9999, "xml", VERSION).body.encode())
    assert [c.tag for c in as_xml] == ["errorcode", "cserrorcode", "errortext"]


def test_empty_list_is_an_empty_response():
    assert wire.render("listzonesresponse", wire.list_payload("zone", [], 0), "json", VERSION).body == (
        '{"listzonesresponse":{}}')
    xml = wire.render("listzonesresponse", wire.list_payload("zone", [], 0), "xml", VERSION).body
    assert xml.endswith('<listzonesresponse cloud-stack-version="3.0.1.6"/>')


def test_characters_xml_cannot_carry_are_dropped():
    body = wire.render("r", {"name": "a\x00b\x1fc"}, "xml", VERSION).body
    assert "<name>abc</name>" in body


def test_dates_use_cloudstack_format():
    assert wire.cloudstack_date("2026-11-27T11:07:57.123Z") == "2026-11-27T11:07:57+0000"
    assert wire.cloudstack_date("2011-03-10T18:20:25-08:00") == "2011-03-10T18:20:25-0800"
