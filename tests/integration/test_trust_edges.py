"""Trust at the edges, as an attacker would try it: smuggled and duplicated names, far expiries, unbounded echoes,
revocation racing a write, and a domain admin reaching for what a root admin owns."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

from chalicelib.aws import statetable
from chalicelib.cloudstack import signing
from chalicelib.cloudstack.request import build_request
from chalicelib.commands import submit
from chalicelib.core.accounts import caller_of
from tests.integration.conftest import ADMIN_KEY, ADMIN_SECRET
from tests.integration.test_tenancy import NOT_AVAILABLE, UNAUTHORIZED, tenant


def stamp(delta: timedelta) -> str:
    return (datetime.now(timezone.utc) + delta).strftime("%Y-%m-%dT%H:%M:%S%z")


def signed_pairs(params: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return signing.signed(params, ADMIN_KEY, ADMIN_SECRET)


def test_an_expired_v3_request_cannot_be_replayed_by_folding_parameters_into_one_name(cloud):
    pairs = signed_pairs([("command", "listVirtualMachines"), ("response", "json"), ("signatureVersion", "3"),
                          ("expires", stamp(-timedelta(minutes=5)))])
    assert cloud.raw(pairs).status == 401  # expired, as sent
    # the captured request re-sent with `response=json&signatureVersion` as one name: same string to sign
    folded = [(n, v) for n, v in pairs if n not in ("response", "signatureVersion")]
    folded.insert(1, ("response=json&signatureVersion", "3"))
    assert signing.string_to_sign(folded) == signing.string_to_sign(pairs)
    reply = cloud.raw(folded)
    assert reply.status == 431 and "invalid parameter name" in reply.headers["X-Description"]


def test_a_signature_for_a_list_does_not_destroy_a_vm_when_the_names_are_reordered(cloud):
    vmid = cloud.deploy()["id"]
    cloud.run_worker()
    pairs = signed_pairs([("Command", "listVirtualMachines"), ("command", "destroyVirtualMachine"), ("id", vmid),
                          ("response", "json")])
    swapped = [pairs[1], pairs[0], *pairs[2:]]
    for attempt in (pairs, swapped):
        reply = cloud.raw(attempt)
        assert reply.status == 431 and "parameter command is given more than once" in reply.body
    assert cloud.run_worker() == 0 and statetable.get("vm", vmid).as_dict()["state"] == "Running"


def test_the_same_name_in_query_and_form_body_is_refused(cloud):
    pairs = signed_pairs([("command", "listZones"), ("response", "json")])
    reply = cloud.raw(pairs, body=b"command=deployVirtualMachine", method="POST")
    assert reply.status == 431 and "given more than once" in reply.body


def test_an_expiry_years_ahead_is_refused_like_an_expired_one(cloud):
    v3 = [("command", "listZones"), ("signatureVersion", "3")]
    far = signed_pairs([*v3, ("expires", stamp(timedelta(days=365)))])
    near = signed_pairs([*v3, ("expires", stamp(timedelta(minutes=10)))])
    assert cloud.raw(far).status == 401 and cloud.raw(far).headers["X-Description"] == UNAUTHORIZED
    assert cloud.raw(near).status == 200


def test_echoes_are_bounded_and_carry_no_control_characters(cloud):
    huge = cloud.raw([("command", "x" * 60_000), ("response", "json")])
    assert huge.status == 432 and len(huge.headers["X-Description"]) <= 512 and len(huge.body) < 400
    injected = cloud.raw([("command", "listZones\r\nx-injected: 1"), ("response", "json")])
    text = json.loads(injected.body)["errorresponse"]["errortext"]
    assert injected.status == 431 and "\r" not in text and "\n" not in text
    assert "\r" not in injected.headers["X-Description"] and "\n" not in injected.headers["X-Description"]
    odd = cloud.call(command="deployVirtualMachine", zoneid="1", serviceofferingid="1", templateid="1",
                     name="\u202e" + "n" * 5000)
    assert odd[0] == 431 and len(odd[1]["deployvirtualmachineresponse"]["errortext"]) < 300


def test_a_verified_caller_is_told_432_for_a_command_that_is_not_theirs(cloud):
    alice = tenant(cloud, "alice")
    status, body = cloud.call(as_=alice, command="createDomain", name="d")
    assert status == 432 and body["createdomainresponse"]["errortext"] == NOT_AVAILABLE
    assert cloud.call(as_=("nobody", "x"), command="createDomain", name="d")[0] == 401


def account_of(cloud, keys) -> str:
    return cloud.call(as_=keys, command="listAccounts")[1]["listaccountsresponse"]["account"][0]["id"]


def test_delete_account_revokes_keys_when_it_answers_and_expunges_every_vm(cloud):
    from jobledger.audit import reader, report

    carol = tenant(cloud, "carol")
    accountid = account_of(cloud, carol)
    running = cloud.deploy_as(carol)["id"]
    cloud.run_worker()
    queued = cloud.deploy_as(carol)["id"]  # accepted before the revocation, its job not run yet
    status, body = cloud.call(command="deleteAccount", id=accountid)
    assert status == 200
    # before any worker runs: carol's key is refused, for reads and writes alike
    assert cloud.call(as_=carol, command="listZones")[0] == 401
    late = cloud.call(as_=carol, command="deployVirtualMachine", zoneid="1", serviceofferingid="1", templateid="1")
    assert late[0] == 401
    cloud.run_worker()
    jobid = body["deleteaccountresponse"]["jobid"]
    assert cloud.job(jobid)["jobresult"] == {"success": True}
    assert {statetable.get("vm", v).as_dict()["state"] for v in (running, queued)} == {"Expunging"}
    assert statetable.get("host", "2").free_cpu == 2500
    result = report.audit(reader.read_log(), reader.read_state())
    assert result.clean, [*map(str, result.problems), *map(str, result.divergences)]


def test_a_write_authenticated_before_the_revocation_cannot_commit_after_it(cloud):
    """The race: a deploy's key was checked, then deleteAccount committed, then the deploy writes."""
    dave = tenant(cloud, "dave")
    caller = caller_of(statetable.get("apikey", dave[0]).as_dict(), dave[0])  # what authenticate answered
    cloud.call(command="deleteAccount", id=account_of(cloud, dave))
    jobs_before = statetable.get("counter", "job").value
    request = build_request([("command", "deployVirtualMachine"), ("zoneid", "1"), ("serviceofferingid", "1"),
                             ("templateid", "1")])
    try:
        submit.deploy_virtual_machine(request, caller, "race")
        raise AssertionError("the deploy committed after its key was revoked")
    except Exception as exc:  # noqa: BLE001 - the exact type is checked below
        assert type(exc).__name__ == "KeyRevoked"
    vmid = str(int(statetable.get("counter", "vm").value))
    assert statetable.get("vm", vmid) is None and statetable.get("job", str(int(jobs_before) + 1)) is None


def test_disable_user_is_effective_when_it_answers(cloud):
    erin = tenant(cloud, "erin")
    userid = cloud.call(as_=erin, command="listAccounts")[1]["listaccountsresponse"]["account"][0]["user"][0]["id"]
    status, body = cloud.call(command="disableUser", id=userid)
    assert status == 200
    assert cloud.call(as_=erin, command="listZones")[0] == 401  # no worker has run
    cloud.run_worker()
    assert cloud.job(body["disableuserresponse"]["jobid"])["jobresult"]["user"]["state"] == "disabled"


def test_enabling_a_user_while_its_disable_job_waits_is_not_undone_by_the_job(cloud):
    gail = tenant(cloud, "gail")
    userid = cloud.call(as_=gail, command="listAccounts")[1]["listaccountsresponse"]["account"][0]["user"][0]["id"]
    jobid = cloud.call(command="disableUser", id=userid)[1]["disableuserresponse"]["jobid"]
    assert cloud.call(command="enableUser", id=userid)[0] == 200  # before the disable job runs
    cloud.run_worker()
    assert cloud.job(jobid)["jobstatus"] == 1
    assert cloud.call(as_=gail, command="listZones")[0] == 200


def test_a_domain_admin_never_sees_nor_acts_on_what_the_root_admin_owns(cloud):
    rootda = tenant(cloud, "rootda", accounttype="2")  # a domain admin of ROOT, the root admin's own domain
    mine = cloud.deploy()
    cloud.run_worker()
    for command in ("rebootVirtualMachine", "stopVirtualMachine", "destroyVirtualMachine"):
        assert cloud.call(as_=rootda, command=command, id=mine["id"])[0] == 431, command
    assert cloud.call(as_=rootda, command="queryAsyncJobResult", jobid=mine["jobid"])[0] == 431
    for command in ("listVirtualMachines", "listAsyncJobs"):
        listed = cloud.call(as_=rootda, command=command, listall="true")[1]
        assert next(iter(listed.values())) == {}, command
    accounts = cloud.call(as_=rootda, command="listAccounts")[1]["listaccountsresponse"]["account"]
    assert {a["name"] for a in accounts} == {"rootda"}
    # what a user of its domain owns, it does see and act on
    frank = tenant(cloud, "frank")
    job = cloud.deploy_as(frank)
    cloud.run_worker()
    assert cloud.call(as_=rootda, command="queryAsyncJobResult", jobid=job["jobid"])[0] == 200
    assert cloud.call(as_=rootda, command="listVirtualMachines", listall="true")[1][
        "listvirtualmachinesresponse"]["count"] == 1
    assert cloud.call(as_=rootda, command="rebootVirtualMachine", id=job["id"])[0] == 200


def test_a_domain_admin_reaches_into_subdomains_but_gets_one_answer_outside(cloud):
    status, body = cloud.call(command="createDomain", name="Eng")
    eng = body["createdomainresponse"]["domain"]["id"]
    boss = tenant(cloud, "boss", accounttype="2", domainid=eng)
    sub = cloud.call(as_=boss, command="createDomain", name="Team")[1]["createdomainresponse"]["domain"]["id"]
    worker = tenant(cloud, "worker", domainid=sub)
    job = cloud.deploy_as(worker)
    cloud.run_worker()
    assert cloud.call(as_=boss, command="queryAsyncJobResult", jobid=job["jobid"])[0] == 200
    outside = cloud.call(as_=boss, command="listAccounts", domainid="1")
    missing = cloud.call(as_=boss, command="listAccounts", domainid="99999")
    assert outside[0] == missing[0] == 531
    assert outside[1]["listaccountsresponse"]["errortext"].replace("id=1", "id=N") == \
        missing[1]["listaccountsresponse"]["errortext"].replace("id=99999", "id=N")


def test_a_signed_name_with_percent_encoding_is_checked_after_decoding(cloud):
    pairs = signed_pairs([("command", "listZones"), ("response", "json")])
    url_pairs = [(quote(n), v) for n, v in pairs]
    assert cloud.raw(url_pairs).status == 200
