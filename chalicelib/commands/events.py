"""listEvents: CloudStack's event log, derived from the caller's job rows. One event per finished job, newest
first: its type from the job's command (`VM.CREATE` for deployVirtualMachine, …), level `INFO` (`ERROR` when the
job failed), state `Completed`, created when the job ended, description as CloudStack words it.

Job rows are read in the caller's tenancy (as listAsyncJobs); the filters and the page apply in Python, since
an event's date, type and level are the job's end, command and outcome.
"""
from __future__ import annotations

from typing import Any, Mapping

from chalicelib.aws import statetable
from chalicelib.cloudstack.paging import matches_keyword, paging
from chalicelib.cloudstack.request import ApiRequest
from chalicelib.core.dates import cloudstack_date
from chalicelib.cloudstack.wire import list_payload
from chalicelib.commands.reads import scope_of
from chalicelib.core.accounts import Caller
from chalicelib.core.errors import invalid_value
from chalicelib.core.fold import FAILED, JobState, job_from_row

# command -> (CloudStack's event type, what the event's description says was done, the resource it names)
EVENT_TYPES: dict[str, tuple[str, str, str]] = {
    "deployVirtualMachine": ("VM.CREATE", "deploying Vm", "Vm"),
    "startVirtualMachine": ("VM.START", "starting Vm", "Vm"),
    "stopVirtualMachine": ("VM.STOP", "stopping Vm", "Vm"),
    "rebootVirtualMachine": ("VM.REBOOT", "rebooting Vm", "Vm"),
    "destroyVirtualMachine": ("VM.DESTROY", "destroying Vm", "Vm"),
    "recoverVirtualMachine": ("VM.RECOVER", "recovering Vm", "Vm"),
    "scaleVirtualMachine": ("VM.DYNAMIC.SCALE", "scaling Vm", "Vm"),
    "changeServiceForVirtualMachine": ("VM.UPGRADE", "upgrading Vm", "Vm"),
    "updateVirtualMachine": ("VM.UPDATE", "updating Vm", "Vm"),
    "migrateVirtualMachine": ("VM.MIGRATE", "migrating Vm", "Vm"),
    "resetSSHKeyForVirtualMachine": ("VM.RESETSSHKEY", "resetting SSHKey for Vm", "Vm"),
    "createVolume": ("VOLUME.CREATE", "creating volume", "Volume"),
    "attachVolume": ("VOLUME.ATTACH", "attaching volume", "Volume"),
    "detachVolume": ("VOLUME.DETACH", "detaching volume", "Volume"),
    "deleteVolume": ("VOLUME.DELETE", "deleting volume", "Volume"),
    "resizeVolume": ("VOLUME.RESIZE", "resizing volume", "Volume"),
    "disableUser": ("USER.DISABLE", "disabling User", "User"),
    "enableUser": ("USER.ENABLE", "enabling User", "User"),
    "deleteAccount": ("ACCOUNT.DELETE", "deleting Account", "Account"),
    "createTags": ("CREATE_TAGS", "creating tags", "Tags"),
    "deleteTags": ("DELETE_TAGS", "deleting tags", "Tags"),
    "createSSHKeyPair": ("REGISTER.SSH.KEYPAIR", "creating SSH key pair", "SSH key pair"),
    "registerSSHKeyPair": ("REGISTER.SSH.KEYPAIR", "registering SSH key pair", "SSH key pair"),
    "deleteSSHKeyPair": ("DELETE.SSH.KEYPAIR", "deleting SSH key pair", "SSH key pair"),
}
LEVELS = ("INFO", "WARN", "ERROR")
EVENT_FIELDS = ("id", "username", "type", "level", "description", "account", "domainid", "domain", "created",
                "state", "resourceid", "resourcetype")


def list_events(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    """Filters id, type, level, startdate, enddate (inclusive), keyword (description or type), listall."""
    page = paging(req)
    level = req.get("level")
    if level is not None and level.upper() not in LEVELS:
        raise invalid_value(req.command, "level", level)
    start = req.date("startdate")
    end_at = req.date("enddate")
    end = _end_of(end_at, req.get("enddate") or "") if end_at else None
    scope, hidden = scope_of(req, caller)
    rows = statetable.list_rows("job", scope, statetable.Filter(hide_owners=hidden), newest_first=True)
    jobs = [job_from_row(r.as_dict()) for r in rows]
    jobs = [j for j in jobs if j.finished and j.completed and (not start or j.completed >= start)
            and (not end or j.completed <= end)]
    jobs.sort(key=lambda j: (j.completed or "", len(j.jobid), j.jobid), reverse=True)
    names: dict[str, Mapping[str, Any]] = {}
    events = [event_of(j, _user(names, j.userid)) for j in jobs]
    events = [e for e in events if _matches(req, e)]
    return list_payload("event", events[page.start:page.end()], len(events))


def event_of(job: JobState, user: Mapping[str, Any]) -> dict[str, Any]:
    """A finished job as CloudStack 4.x's EventResponse."""
    type_, doing, noun = EVENT_TYPES.get(job.command, (job.command.upper(), f"running {job.command}", "Id"))
    failed = job.status == FAILED
    subject = f"{noun} Id: {job.instanceid}" if job.instanceid else ""
    description = (f"Error while {doing}. {subject}".strip() + (f" ({job.errortext})" if job.errortext else "")
                   if failed else f"Successfully completed {doing}. {subject}".strip())
    event = {
        "id": job.jobid, "username": user.get("username", job.userid), "type": type_,
        "level": "ERROR" if failed else "INFO", "description": description,
        "account": user.get("account", job.accountid), "domainid": job.domainid or user.get("domainid"),
        "domain": user.get("domain"), "created": cloudstack_date(job.completed or job.created),
        "state": "Completed", "resourceid": job.instanceid or None, "resourcetype": job.instancetype or None,
    }
    return {name: event[name] for name in EVENT_FIELDS if event.get(name) is not None}


def _user(cache: dict[str, Mapping[str, Any]], userid: str) -> Mapping[str, Any]:
    """Who ran the job (names from its user row; kept after the account is deleted, as CloudStack keeps them)."""
    if userid not in cache:
        row = statetable.get("user", userid) if userid else None
        cache[userid] = row.as_dict() if row is not None else {}
    return cache[userid]


def _matches(req: ApiRequest, event: Mapping[str, Any]) -> bool:
    if req.get("id") and event["id"] != req.get("id"):
        return False
    if req.get("type") and event["type"].upper() != (req.get("type") or "").upper():
        return False
    if req.get("level") and event["level"] != (req.get("level") or "").upper():
        return False
    return matches_keyword(event, req.get("keyword"), ("description", "type"))


def _end_of(iso: str, given: str) -> str:
    """`enddate` is inclusive: a bare date means to the end of that day."""
    return iso[:10] + "T23:59:59.999Z" if len(given.strip()) == 10 else iso
