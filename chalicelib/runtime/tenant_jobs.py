"""The worker's side of the tenant jobs: disableUser and deleteAccount.

Their revocation commits with the submission (commands.admin); the job then ends, and deleteAccount first gives
every VM of the account a destroy (expunge) job, including VMs whose deploy was accepted before the revocation.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from chalicelib import telemetry
from chalicelib.aws import directory, eventlog, statetable
from chalicelib.core import accounts as acc
from chalicelib.core.accounts import view
from chalicelib.core import effects as fx
from chalicelib.core import jobs
from chalicelib.core.events import Event, chained
from chalicelib.core.fold import JobState, fold, job_row
from chalicelib.runtime.submission import queue_vm_command


def execute(job: JobState, history: Sequence[Event], actor: Mapping[str, str]) -> None:
    """The worker's side of disableUser and deleteAccount: deleteAccount destroys the account's VMs (every one,
    including those whose deploy was accepted before the revocation); then the job ends. (disableUser's change was
    made with the submission: an enableUser since then stands. A deleteAccount submitted before revocations moved
    to submission still deletes the account here, in the job's last transaction.)"""
    row = statetable.get("user" if job.command == "disableUser" else "account", job.instanceid)
    if row is None:
        raise LookupError(f"job {job.jobid}: {job.instancetype} {job.instanceid} has no state row")
    target = row.as_dict()
    result: dict[str, Any] = {"success": True}
    if job.command == "disableUser":
        result = {"user": view(dict(target, state="disabled"), acc.USER_FIELDS)}
    else:
        # the destroy jobs belong to whoever asked for the deletion, like the deleteAccount job itself
        owner = {"accountid": job.accountid, "userid": job.userid, "domainid": job.domainid,
                 "job": job.jobid, **{k: v for k, v in actor.items() if k in ("worker", "attempt")}}
        _destroy_vms_of(target["id"], owner)
    [done] = chained(history[-1], [jobs.completed(job, result, actor)])
    also = fx.Also([done], [fx.PutJob(job_row(fold(job.jobid, [*history, done])))])
    if job.command == "deleteAccount" and target.get("state") != "deleted":
        directory.delete_account(target, directory.users_of(target["id"]), actor, also)
    else:
        eventlog.commit(also.events, also.effects)
    telemetry.job_finished(fold(job.jobid, [*history, done]))


def _destroy_vms_of(accountid: str, actor: Mapping[str, str]) -> None:
    """As CloudStack does when an account goes: each of its VMs gets a destroy (expunge) job, queued behind
    whatever the VM is doing; capacity and addresses come back as those jobs end. A redelivered deleteAccount
    queues them again, which is harmless (a destroyed VM is destroyed once)."""
    live = statetable.list_rows("vm", statetable.Scope("owner", accountid),
                                statetable.Filter(hide_states=statetable.GONE))
    for row in live:
        queue_vm_command("destroyVirtualMachine", row.id, actor, {"id": row.id, "expunge": "true"})
