"""Odd input always gets a CloudStack error (431, never a 530 or a stack trace)."""
from __future__ import annotations

import json

import pytest


@pytest.mark.parametrize("command,params", [
    ("listVirtualMachines", {"id": "²"}),
    ("listVirtualMachines", {"id": "١٢"}),
    ("listVirtualMachines", {"id": "9" * 40}),
    ("listVirtualMachines", {"page": "99999999999999999999", "pagesize": "10"}),
    ("listVirtualMachines", {"page": "1_0", "pagesize": "5"}),
    ("listVirtualMachines", {"page": " 5", "pagesize": "5"}),
    ("queryAsyncJobResult", {"jobid": "١٢"}),
    ("stopVirtualMachine", {"id": "-1"}),
    ("deployVirtualMachine", {"zoneid": "1" * 2000, "serviceofferingid": "1", "templateid": "1"}),
    ("deployVirtualMachine", {"zoneid": "1", "serviceofferingid": "1", "templateid": "1", "networkids": ",,"}),
    ("createDomain", {"name": "x" * 1500}),
    ("createDomain", {"name": "a/b"}),
    ("createAccount", {"username": "u" * 300, "password": "p", "email": "e", "firstname": "f", "lastname": "l"}),
])
def test_odd_values_are_431(cloud, command, params):
    status, body = cloud.call(command=command, **params)
    assert status == 431, body
    text = body[f"{command.lower()}response"]["errortext"]
    assert len(text) < 300  # values are never echoed unbounded


def test_errors_before_parsing_the_body_still_answer_in_json(cloud):
    put = cloud.raw([("command", "listZones"), ("response", "json")], None, "PUT")
    assert put.status == 405 and json.loads(put.body)["listzonesresponse"]["errorcode"] == 405
    bad = cloud.raw([("response", "json")], b"command=listZones&name=\xff", "POST")
    assert bad.status == 431 and json.loads(bad.body)["errorresponse"]["errorcode"] == 431
