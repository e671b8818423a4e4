"""The flows whose AWS calls the policy must allow: everything a client, the worker and the sweeper do.

Each flow checks that it did what it set out to do, so a broken flow cannot pass by calling nothing.
"""
from __future__ import annotations

from chalicelib.aws.models import StateRecord
from tests.deploy.awscalls import RECORDER
from tests.deploy.harness import ADMIN, Cloud, environment

Keys = tuple[str, str]


def run_all(cloud: Cloud) -> None:
    user, domain_admin = tenants(cloud)
    vmid = vm_lifecycle(cloud, user)
    worker_failures(cloud, user, vmid)
    lists(cloud, user, domain_admin)
    user_admin(cloud)
    rate_limit(cloud, user)
    sweeper(cloud, user)


def tenants(cloud: Cloud) -> tuple[Keys, Keys]:
    """A domain, a domain admin and a user in it, each with keys (root admin at work)."""
    domain = cloud.ok(command="createDomain", name="eng")["domain"]
    keys = {}
    for name, accounttype in (("alice", "0"), ("dadmin", "2")):
        account = cloud.ok(command="createAccount", accounttype=accounttype, domainid=domain["id"], username=name,
                           password="pw", email=f"{name}@example.org", firstname=name, lastname="x")["account"]
        made = cloud.ok(command="registerUserKeys", id=account["user"][0]["id"])["userkeys"]
        keys[name] = (made["apikey"], made["secretkey"])
    return keys["alice"], keys["dadmin"]


def vm_lifecycle(cloud: Cloud, user: Keys) -> str:
    """Deploy, then stop, start, reboot: each job succeeds; a redelivered message changes nothing."""
    deployed = cloud.ok(user, command="deployVirtualMachine", zoneid="1", serviceofferingid="1", templateid="1")
    messages = cloud.receive()
    cloud.deliver(messages)
    cloud.deliver(messages, receive_count="2")  # the same message again, as SQS may deliver it
    cloud.run_worker()
    assert cloud.job(deployed["jobid"], user)["jobstatus"] == 1
    for command in ("stopVirtualMachine", "startVirtualMachine", "rebootVirtualMachine"):
        jobid = cloud.ok(user, command=command, id=deployed["id"])["jobid"]
        cloud.run_worker()
        assert cloud.job(jobid, user)["jobstatus"] == 1, command
    return str(deployed["id"])


def worker_failures(cloud: Cloud, user: Keys, vmid: str) -> None:
    """Jobs that end JobFailed: no capacity left, a command the VM's state refuses, attempts spent."""
    for _ in range(3):  # Medium Instances: the host has room for two
        cloud.ok(user, command="deployVirtualMachine", zoneid="1", serviceofferingid="2", templateid="1")
    cloud.run_worker()
    destroyed = cloud.ok(user, command="destroyVirtualMachine", id=vmid)["jobid"]
    cloud.run_worker()
    assert cloud.job(destroyed, user)["jobstatus"] == 1
    refused = cloud.ok(user, command="startVirtualMachine", id=vmid)["jobid"]
    cloud.run_worker()
    assert cloud.job(refused)["jobstatus"] == 2
    _attempts_spent(cloud, user)
    statuses = [j["jobstatus"] for j in cloud.ok(user, command="listAsyncJobs")["asyncjobs"]]
    assert 2 in statuses and 0 not in statuses, statuses


def _attempts_spent(cloud: Cloud, user: Keys) -> None:
    """A message delivered for the last allowed time whose job cannot run (its VM row is gone)."""
    deployed = cloud.ok(user, command="deployVirtualMachine", zoneid="1", serviceofferingid="1", templateid="1",
                        startvm="false")
    cloud.run_worker()
    jobid = cloud.ok(user, command="stopVirtualMachine", id=deployed["id"])["jobid"]
    with RECORDER.paused():  # the fault, made by the test
        StateRecord("vm", deployed["id"]).delete()
    messages = cloud.receive()
    cloud.deliver(messages, receive_count="5")
    assert cloud.job(jobid, user)["jobstatus"] == 2


def lists(cloud: Cloud, user: Keys, domain_admin: Keys) -> None:
    """Every list command, as a user (own account), a domain admin and the root admin (listall)."""
    for keys in (user, domain_admin, ADMIN):
        for command in ("listVirtualMachines", "listAsyncJobs"):
            cloud.ok(keys, command=command, listall="true")
        cloud.ok(keys, command="listVirtualMachines", state="Running", zoneid="1", keyword="a", page="1",
                 pagesize="2")
        cloud.ok(keys, command="listAccounts")
    assert cloud.ok(user, command="listVirtualMachines")["count"] >= 1
    for command in ("listZones", "listServiceOfferings", "listDiskOfferings", "listPublicIpAddresses",
                    "listPortForwardingRules", "listIpForwardingRules"):
        cloud.ok(user, command=command)
    cloud.ok(user, command="listTemplates", templatefilter="featured")
    cloud.ok(ADMIN, command="listAccounts", listall="true")
    cloud.ok(domain_admin, command="listDomains")
    assert cloud.ok(ADMIN, command="listDomains")["count"] == 2


def user_admin(cloud: Cloud) -> None:
    """createUser, disableUser (async), enableUser, deleteAccount (async)."""
    account = cloud.ok(command="createAccount", accounttype="0", username="bob", password="pw",
                       email="b@example.org", firstname="b", lastname="x")["account"]
    user = cloud.ok(command="createUser", account="bob", username="bob2", password="pw", email="c@example.org",
                    firstname="c", lastname="x")["user"]
    disabled = cloud.ok(command="disableUser", id=user["id"])["jobid"]
    cloud.run_worker()
    assert cloud.job(disabled)["jobstatus"] == 1
    cloud.ok(command="enableUser", id=user["id"])
    deleted = cloud.ok(command="deleteAccount", id=account["id"])["jobid"]
    cloud.run_worker()
    assert cloud.job(deleted)["jobstatus"] == 1


def rate_limit(cloud: Cloud, user: Keys) -> None:
    """Past the per-key rate, requests are refused with 429."""
    with environment(JOBLEDGER_RATE_LIMIT="1"):
        statuses = [cloud.call(user, command="listZones")[0] for _ in range(4)]
    assert 429 in statuses, statuses
    assert cloud.call(("no-such-key", "x"), command="listZones")[0] == 401


def sweeper(cloud: Cloud, user: Keys) -> None:
    """A job whose message was lost is sent again; one past its deadline is failed (if the app has a sweeper:
    without one, the policy's grant for the sweeper's index shows up as unused)."""
    if not cloud.scheduled():
        return
    jobid = cloud.ok(user, command="deployVirtualMachine", zoneid="1", serviceofferingid="1", templateid="1",
                     startvm="false")["jobid"]
    cloud.receive()  # the message is lost (received, never processed)
    with environment(JOBLEDGER_SWEEP_AFTER_SECONDS="0"):
        cloud.sweep()
    with environment(JOBLEDGER_JOB_DEADLINE_SECONDS="0"):
        cloud.sweep()
    assert cloud.job(jobid, user)["jobstatus"] == 2
