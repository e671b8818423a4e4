"""Trust at the edges over real HTTP, against the local stack: what the route sees is what was signed."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import requests

from chalicelib.cloudstack import signing
from tests.e2e.conftest import ADMIN_KEY, ADMIN_SECRET


def send(stack, pairs: list[tuple[str, str]]) -> requests.Response:
    """The query string exactly as given (names and values percent-encoded, order kept)."""
    query = "&".join(f"{quote(n, safe='')}={quote(v, safe='')}" for n, v in pairs)
    return requests.get(f"{stack.url}?{query}", timeout=10)


def test_smuggled_and_repeated_names_are_refused_over_http(stack):
    expired = (datetime.now(timezone.utc) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S%z")
    pairs = signing.signed([("command", "listVirtualMachines"), ("response", "json"), ("signatureVersion", "3"),
                            ("expires", expired)], ADMIN_KEY, ADMIN_SECRET)
    assert send(stack, pairs).status_code == 401
    folded = [(n, v) for n, v in pairs if n not in ("response", "signatureVersion")]
    folded.insert(1, ("response=json&signatureVersion", "3"))
    reply = send(stack, folded)
    assert reply.status_code == 431 and "invalid parameter name" in reply.headers["X-Description"]
    twice = signing.signed([("command", "listZones"), ("Command", "destroyVirtualMachine"), ("id", "100")],
                           ADMIN_KEY, ADMIN_SECRET)
    reply = send(stack, twice)
    assert reply.status_code == 431 and "given more than once" in reply.headers["X-Description"]


def test_echoes_over_http_are_bounded_and_single_line(stack):
    reply = send(stack, [("command", "y" * 20_000)])
    assert reply.status_code == 432 and len(reply.headers["X-Description"]) <= 512
    reply = send(stack, [("command", "listZones\r\nx-injected: 1"), ("response", "json")])
    assert reply.status_code == 431 and "x-injected" not in {k.lower() for k in reply.headers}
    assert "\n" not in reply.json()["errorresponse"]["errortext"]


def test_a_deleted_accounts_key_stops_working_when_the_deletion_answers(stack):
    status, body = stack.json(command="createAccount", username="gone", password="pw", email="g@x",
                              firstname="g", lastname="g")
    account = body["createaccountresponse"]["account"]
    keys = stack.json(command="registerUserKeys", id=account["user"][0]["id"])[1]["registeruserkeysresponse"]
    key, secret = keys["userkeys"]["apikey"], keys["userkeys"]["secretkey"]
    deploy = signing.signed([("command", "deployVirtualMachine"), ("zoneid", "1"), ("serviceofferingid", "1"),
                             ("templateid", "1"), ("response", "json")], key, secret)
    vmid = send(stack, deploy).json()["deployvirtualmachineresponse"]["id"]
    status, body = stack.json(command="deleteAccount", id=account["id"])
    assert status == 200
    late = signing.signed([("command", "deployVirtualMachine"), ("zoneid", "1"), ("serviceofferingid", "1"),
                           ("templateid", "1"), ("response", "json"), ("name", "late")], key, secret)
    assert send(stack, late).status_code == 401
    assert stack.wait_for_job(body["deleteaccountresponse"]["jobid"])["jobstatus"] == 1
    listed = stack.json(command="listVirtualMachines", listall="true", id=vmid)[1]["listvirtualmachinesresponse"]
    deadline = datetime.now() + timedelta(seconds=20)
    while listed["virtualmachine"][0]["state"] not in ("Destroyed", "Expunging") and datetime.now() < deadline:
        listed = stack.json(command="listVirtualMachines", listall="true", id=vmid)[1]["listvirtualmachinesresponse"]
    assert listed["virtualmachine"][0]["state"] == "Expunging"
