"""Accounts, keys and signed requests: only the owner sees a job; admins administer through the API."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.cloudstack import signing
from tests.integration.conftest import ADMIN_KEY, ADMIN_SECRET

UNAUTHORIZED = "unable to verify user credentials and/or request signature"
NOT_AVAILABLE = "The given command does not exist or it is not available for user"


def tenant(cloud, username: str, accounttype: str = "0", domainid: str | None = None) -> tuple[str, str]:
    """A new account through the API (createAccount + registerUserKeys); answer its key pair."""
    extra = {"domainid": domainid} if domainid else {}
    status, body = cloud.call(command="createAccount", username=username, password="pw", email=f"{username}@x",
                              firstname=username, lastname="T", accounttype=accounttype, **extra)
    assert status == 200, body
    userid = body["createaccountresponse"]["account"]["user"][0]["id"]
    status, body = cloud.call(command="registerUserKeys", id=userid)
    keys = body["registeruserkeysresponse"]["userkeys"]
    return keys["apikey"], keys["secretkey"]


def test_a_tenant_sees_only_its_own_jobs_and_vms(cloud):
    alice, bob = tenant(cloud, "alice"), tenant(cloud, "bob")
    status, body = cloud.call(as_=alice, command="deployVirtualMachine", zoneid="1", serviceofferingid="1",
                              templateid="1")
    jobid, vmid = body["deployvirtualmachineresponse"]["jobid"], body["deployvirtualmachineresponse"]["id"]
    cloud.run_worker()
    mine = cloud.call(as_=alice, command="queryAsyncJobResult", jobid=jobid)[1]["queryasyncjobresultresponse"]
    assert mine["jobresult"]["virtualmachine"]["account"] == "alice" and mine["accountid"] != "2"
    # bob: the job and the VM do not exist for him, exactly as a missing one
    foreign = cloud.call(as_=bob, command="queryAsyncJobResult", jobid=jobid)
    missing = cloud.call(as_=bob, command="queryAsyncJobResult", jobid="9999")
    assert foreign[0] == missing[0] == 431
    assert foreign[1]["queryasyncjobresultresponse"]["errortext"].replace(jobid, "N") == \
        missing[1]["queryasyncjobresultresponse"]["errortext"].replace("9999", "N")
    for command in ("stopVirtualMachine", "startVirtualMachine", "rebootVirtualMachine", "destroyVirtualMachine"):
        status, _ = cloud.call(as_=bob, command=command, id=vmid)
        assert status == 431, command
    assert cloud.call(as_=bob, command="listVirtualMachines")[1]["listvirtualmachinesresponse"] == {}
    assert cloud.call(as_=bob, command="listVirtualMachines", id=vmid)[1]["listvirtualmachinesresponse"] == {}
    assert cloud.call(as_=bob, command="listAsyncJobs")[1]["listasyncjobsresponse"] == {}
    assert cloud.call(as_=bob, command="listAsyncJobs", listall="true")[1]["listasyncjobsresponse"] == {}
    assert cloud.call(as_=alice, command="listVirtualMachines")[1]["listvirtualmachinesresponse"]["count"] == 1


def test_root_admin_sees_everything_only_with_listall(cloud):
    alice = tenant(cloud, "alice")
    cloud.call(as_=alice, command="deployVirtualMachine", zoneid="1", serviceofferingid="1", templateid="1")
    assert cloud.call(command="listVirtualMachines")[1]["listvirtualmachinesresponse"] == {}
    everything = cloud.call(command="listVirtualMachines", listall="true")[1]["listvirtualmachinesresponse"]
    assert everything["count"] == 1
    assert cloud.call(command="listAsyncJobs", listall="true")[1]["listasyncjobsresponse"]["count"] >= 1


def test_users_cannot_administer(cloud):
    alice = tenant(cloud, "alice")
    for command, params in (("createAccount", {"username": "eve", "password": "p", "email": "e", "firstname": "e",
                                               "lastname": "e"}),
                            ("createDomain", {"name": "evil"}), ("disableUser", {"id": "2"}),
                            ("deleteAccount", {"id": "2"})):
        status, body = cloud.call(as_=alice, command=command, **params)
        assert status == 432, (command, body)  # verified: the key's owner learns the command is not theirs
        assert next(iter(body.values()))["errortext"] == NOT_AVAILABLE
    status, _ = cloud.call(as_=alice, command="registerUserKeys", id="2")
    assert status == 431  # another user's keys: as if the user did not exist


def test_a_domain_admin_administers_only_its_domain(cloud):
    status, body = cloud.call(command="createDomain", name="Engineering")
    domain = body["createdomainresponse"]["domain"]
    assert (domain["name"], domain["path"], domain["parentdomainid"]) == ("Engineering", "ROOT/Engineering", "1")
    boss = tenant(cloud, "boss", accounttype="2", domainid=domain["id"])
    status, body = cloud.call(as_=boss, command="createAccount", username="dev", password="pw", email="d@x",
                              firstname="d", lastname="d")
    assert status == 200 and body["createaccountresponse"]["account"]["domainid"] == domain["id"]
    status, body = cloud.call(as_=boss, command="createAccount", username="mallory", password="pw", email="m@x",
                              firstname="m", lastname="m", domainid="1")
    assert status == 531 and body["createaccountresponse"]["cserrorcode"] == 4365
    listed = cloud.call(as_=boss, command="listAccounts")[1]["listaccountsresponse"]
    assert {a["name"] for a in listed["account"]} == {"boss", "dev"}


def test_disabled_users_keys_are_refused_and_enabling_restores_them(cloud):
    alice = tenant(cloud, "alice")
    userid = cloud.call(command="listAccounts", name="alice")[1]["listaccountsresponse"]["account"][0]["user"][0]["id"]
    status, body = cloud.call(command="disableUser", id=userid)
    jobid = body["disableuserresponse"]["jobid"]
    cloud.run_worker()
    assert cloud.job(jobid)["jobresult"]["user"]["state"] == "disabled"
    status, body = cloud.call(as_=alice, command="listZones")
    assert status == 401 and body["listzonesresponse"]["errortext"] == UNAUTHORIZED
    assert cloud.call(command="enableUser", id=userid)[0] == 200
    assert cloud.call(as_=alice, command="listZones")[0] == 200


def test_rotated_keys_replace_the_old_pair(cloud):
    old = tenant(cloud, "alice")
    userid = cloud.call(as_=old, command="listAccounts")[1]["listaccountsresponse"]["account"][0]["user"][0]["id"]
    status, body = cloud.call(as_=old, command="registerUserKeys", id=userid)
    new = body["registeruserkeysresponse"]["userkeys"]
    assert cloud.call(as_=old, command="listZones")[0] == 401
    assert cloud.call(as_=(new["apikey"], new["secretkey"]), command="listZones")[0] == 200


def test_deleted_accounts_cannot_call(cloud):
    alice = tenant(cloud, "alice")
    accountid = cloud.call(as_=alice, command="listAccounts")[1]["listaccountsresponse"]["account"][0]["id"]
    jobid = cloud.call(command="deleteAccount", id=accountid)[1]["deleteaccountresponse"]["jobid"]
    cloud.run_worker()
    assert cloud.job(jobid)["jobresult"] == {"success": True}
    assert cloud.call(as_=alice, command="listZones")[0] == 401


def unsigned(params: dict) -> list:
    return [*params.items(), ("apiKey", ADMIN_KEY)]


@pytest.mark.parametrize("tamper", ["wrong secret", "unknown key", "no signature", "no key", "expired", "no expires"])
def test_every_authentication_failure_gets_the_same_401(cloud, tamper):
    pairs = [("command", "listZones"), ("response", "json"), ("apiKey", ADMIN_KEY)]
    secret = ADMIN_SECRET
    if tamper == "wrong secret":
        secret = "nope"
    elif tamper == "unknown key":
        pairs[2] = ("apiKey", "nobody")
    elif tamper in ("expired", "no expires"):
        pairs.append(("signatureVersion", "3"))
        if tamper == "expired":
            past = (datetime.now(timezone.utc) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S%z")
            pairs.append(("expires", past))
    if tamper == "no key":
        pairs = pairs[:2]
    if tamper != "no signature":
        pairs.append(("signature", signing.sign(signing.string_to_sign(pairs), secret)))
    reply = cloud.raw(pairs)
    assert reply.status == 401 and reply.headers["X-Description"] == UNAUTHORIZED
    assert '"cserrorcode"' not in reply.body


def test_a_verified_request_for_an_unknown_command_is_432(cloud):
    status, body = cloud.call(command="launchMissiles")
    assert status == 432
    assert body == {"errorresponse": {"uuidList": [], "errorcode": 432, "cserrorcode": 9999,
                                      "errortext": NOT_AVAILABLE}}


def test_nothing_tells_an_unauthenticated_caller_which_commands_exist(cloud):
    """A bad key on a known command, on an unknown one, and on an admin command: one answer."""
    bodies = [cloud.call(as_=("nobody", "x"), command="listZones")[1]["listzonesresponse"],
              cloud.call(as_=("nobody", "x"), command="listZonez")[1]["listzonezresponse"],
              cloud.call(as_=("nobody", "x"), command="createDomain", name="d")[1]["createdomainresponse"]]
    assert bodies == [{"uuidList": [], "errorcode": 401, "errortext": UNAUTHORIZED}] * 3


def test_an_unsigned_request_for_an_unknown_command_is_432(cloud):
    reply = cloud.raw([("command", "launchMissiles"), ("response", "json")])
    assert reply.status == 432 and '"errorresponse"' in reply.body


def test_signature_version_3_with_a_future_expiry_is_accepted(cloud):
    future = (datetime.now(timezone.utc) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S%z")
    status, _ = cloud.call(command="listZones", signatureVersion="3", expires=future)
    assert status == 200


@pytest.mark.parametrize("value", ["a\x00b", "line\nbreak", "bad\ufffdutf8", "del\x7f"])
def test_control_characters_and_invalid_utf8_are_431(cloud, value):
    status, body = cloud.call(command="listVirtualMachines", keyword=value)
    assert status == 431 and body["listvirtualmachinesresponse"]["cserrorcode"] == 4350


def test_requests_are_bounded_in_size_and_parameter_count(cloud):
    status, _ = cloud.call(command="listZones", **{f"p{i}": "x" for i in range(120)})
    assert status == 431
    reply = cloud.raw([], b"command=listZones&pad=" + b"x" * 70000, "POST")
    assert reply.status == 431


def test_the_rate_limit_answers_429(cloud, monkeypatch):
    monkeypatch.setenv("JOBLEDGER_RATE_LIMIT", "3")
    statuses = [cloud.call(command="listZones")[0] for _ in range(10)]
    assert statuses.count(429) >= 4 and statuses[0] == 200


def test_every_event_records_the_acting_account_and_user(cloud):
    from chalicelib.aws import eventlog
    from chalicelib.core.events import job_stream

    alice = tenant(cloud, "alice")
    jobid = cloud.call(as_=alice, command="deployVirtualMachine", zoneid="1", serviceofferingid="1",
                       templateid="1")[1]["deployvirtualmachineresponse"]["jobid"]
    [submitted] = eventlog.load_stream(job_stream(jobid))
    assert submitted.actor["accountid"] != "2" and submitted.actor["userid"] != "2"
    assert "signature" not in str(submitted.data) and "apikey" not in str(submitted.data).lower()


def domain_admin(cloud, domain_name: str, username: str, parent: str | None = None,
                 as_: tuple[str, str] | None = None) -> tuple[str, tuple[str, str]]:
    extra = {"parentdomainid": parent} if parent else {}
    status, body = cloud.call(as_=as_, command="createDomain", name=domain_name, **extra)
    assert status == 200, body
    domainid = body["createdomainresponse"]["domain"]["id"]
    return domainid, tenant(cloud, username, accounttype="2", domainid=domainid)


def test_a_domain_admin_cannot_touch_the_root_admin(cloud):
    rootda = tenant(cloud, "rootda", accounttype="2")  # a domain admin of ROOT itself
    for command in ("registerUserKeys", "disableUser", "enableUser"):
        status, _ = cloud.call(as_=rootda, command=command, id="2")
        assert status == 431, command
    status, _ = cloud.call(as_=rootda, command="createUser", account="admin", username="mole", password="pw",
                           email="m@x", firstname="m", lastname="m")
    assert status == 431
    status, _ = cloud.call(as_=rootda, command="createAccount", accounttype="1", username="evilroot",
                           password="pw", email="e@x", firstname="e", lastname="e")
    assert status == 431
    assert cloud.call(command="listZones")[0] == 200  # the root admin's keys still work


def test_a_domain_admin_cannot_reach_a_sibling_domain_by_name(cloud):
    d_id, d_admin = domain_admin(cloud, "D", "dadmin")
    e_id, e_admin = domain_admin(cloud, "E", "eadmin")
    status, body = cloud.call(as_=e_admin, command="createDomain", name="D", parentdomainid=e_id)
    assert status == 200
    inner = body["createdomainresponse"]["domain"]["id"]  # ROOT/E/D: named like D's admin's domain
    status, _ = cloud.call(as_=d_admin, command="createAccount", username="intruder", password="pw",
                           email="i@x", firstname="i", lastname="i", domainid=inner)
    assert status == 531
    assert cloud.call(as_=d_admin, command="listAccounts", domainid=inner)[0] == 531
    status, _ = cloud.call(as_=e_admin, command="createAccount", username="ok", password="pw", email="o@x",
                           firstname="o", lastname="o", domainid=inner)
    assert status == 200  # E's admin may act in E's own subdomain


def test_deleting_an_account_expunges_its_vms_and_gives_everything_back(cloud):
    from jobledger.audit import reader, report
    from chalicelib.aws import statetable

    carol = tenant(cloud, "carol")
    vmids = [cloud.call(as_=carol, command="deployVirtualMachine", zoneid="1", serviceofferingid="1",
                        templateid="1")[1]["deployvirtualmachineresponse"]["id"] for _ in range(2)]
    cloud.run_worker()
    assert statetable.get("host", "2").free_cpu == 2500 - 2 * 500
    accountid = cloud.call(as_=carol, command="listAccounts")[1]["listaccountsresponse"]["account"][0]["id"]
    jobid = cloud.call(command="deleteAccount", id=accountid)[1]["deleteaccountresponse"]["jobid"]
    cloud.run_worker()
    assert cloud.job(jobid)["jobresult"] == {"success": True}
    assert {statetable.get("vm", v).as_dict()["state"] for v in vmids} == {"Expunging"}
    assert statetable.get("host", "2").free_cpu == 2500
    result = report.audit(reader.read_log(), reader.read_state())
    assert result.clean, [str(d) for d in result.divergences]
