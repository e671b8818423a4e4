"""The operator tools (`keys`, `inventory`, `sign`) against moto, their output used as an operator would."""
from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

from chalicelib.commands import api
from jobledger.__main__ import main


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_keys_create_an_account_whose_new_keys_sign_requests(cloud, capsys):
    code, out = run(capsys, "keys", "create-account", "--username", "carol", "--password", "pw")
    assert code == 0
    userid = json.loads(out)["user"]["id"]
    code, out = run(capsys, "keys", "register", "--user-id", userid)
    keys = json.loads(out)
    code, url = run(capsys, "sign", "--key", keys["apikey"], "--secret", keys["secretkey"],
                    "command=listVirtualMachines", "response=json")
    reply = api.handle(api.HttpRequest("GET", parse_qsl(urlsplit(url.strip()).query)))
    assert reply.status == 200 and json.loads(reply.body) == {"listvirtualmachinesresponse": {}}
    assert run(capsys, "keys", "disable", "--user-id", userid)[0] == 0
    assert api.handle(api.HttpRequest("GET", parse_qsl(urlsplit(url.strip()).query))).status == 401


def test_sign_accepts_keys_that_start_with_a_dash(cloud, capsys):
    from chalicelib.aws import directory, statetable

    admin = statetable.get("user", "2").as_dict()
    key, secret = directory.register_keys(admin, {"system": "test"}, "-dash-key", "-dash-secret")
    code, url = run(capsys, "sign", "--key", key, "--secret", secret, "command=listZones", "response=json")
    assert code == 0
    assert api.handle(api.HttpRequest("GET", parse_qsl(urlsplit(url.strip()).query))).status == 200


def test_generated_keys_never_start_with_a_dash():
    from chalicelib.core.accounts import new_key_pair

    assert not any(k.startswith("-") for _ in range(2000) for k in new_key_pair())


def test_inventory_load_is_idempotent_and_refuses_a_different_inventory(cloud, capsys):
    assert run(capsys, "inventory", "load") == (0, "inventory: already recorded (nothing to do)\n")
    code, out = run(capsys, "inventory", "load", "--file", "jobledger/inventories/two-zones.json")
    assert code == 1 and "different inventory" in out
