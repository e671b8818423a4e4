"""Decisions about a job: which events to append next. Pure: they return events, an empty list means done."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from chalicelib.core import events as ev
from chalicelib.core.fold import JobState

# The CloudStack 3.0 command classes a job's `cmd` names.
COMMAND_CLASSES = {
    "deployVirtualMachine": "com.cloud.api.commands.DeployVMCmd",
    "startVirtualMachine": "com.cloud.api.commands.StartVMCmd",
    "stopVirtualMachine": "com.cloud.api.commands.StopVMCmd",
    "rebootVirtualMachine": "com.cloud.api.commands.RebootVMCmd",
    "destroyVirtualMachine": "com.cloud.api.commands.DestroyVMCmd",
}
PROC_INSTANCE_CREATED = 1
CAPACITY_ERROR = 551


def submitted(jobid: str, command: str, actor: Mapping[str, str], instancetype: str, instanceid: str,
              params: Mapping[str, str], extra: Mapping[str, Any] | None = None,
              at: str | None = None) -> ev.Event:
    data: dict[str, Any] = {
        "jobid": jobid, "command": command, "cmd": COMMAND_CLASSES.get(command, command),
        "accountid": actor["accountid"], "userid": actor["userid"], "domainid": actor.get("domainid", ""),
        "instancetype": instancetype, "instanceid": instanceid, "params": ev.loggable_parameters(params),
    }
    data.update(extra or {})
    return ev.new_event(ev.job_stream(jobid), 1, ev.JOB_SUBMITTED, data, actor, at)


def start(job: JobState, attempt: int, actor: Mapping[str, str]) -> list[ev.Event]:
    """A worker takes the job: Started (attempt n, procstatus 1: the instance is being created); nothing if
    finished. (Streams written before carry a JobProgressed right after each JobStarted: one event item, a write
    unit twice over in its transaction, for what the start already says.)"""
    if job.finished:
        return []
    data = {"attempt": attempt, "procstatus": PROC_INSTANCE_CREATED}
    return [ev.new_event(ev.job_stream(job.jobid), job.version + 1, ev.JOB_STARTED, data, actor)]


def completed(job: JobState, result: Mapping[str, Any], actor: Mapping[str, str],
              extra: Mapping[str, Any] | None = None) -> ev.Event:
    """`extra` carries what replay needs beyond the client's view (e.g. the VM's whole document as stored)."""
    return ev.new_event(ev.job_stream(job.jobid), job.version + 1, ev.JOB_COMPLETED,
                        {"resultcode": 0, "result": dict(result), **(extra or {})}, actor)


def completed_vm(job: JobState, tags: Sequence[Mapping[str, Any]], actor: Mapping[str, str],
                 extra: Mapping[str, Any]) -> ev.Event:
    """A VM job's success whose result is the VM as the wire shows it: the event keeps the VM's document once
    (`extra["vm"]`, what replay needs) and the tags the result shows; the result is rendered from them when read
    (`JobState.jobresult`) instead of the event carrying the VM a second time (a KB per job, twice over in its
    transaction). JobCompleted schema 2: a v1 event always carries `result`."""
    if "vm" not in extra:
        raise ValueError("a VM job's result is rendered from the document its event carries")
    return ev.new_event(ev.job_stream(job.jobid), job.version + 1, ev.JOB_COMPLETED,
                        {"resultcode": 0, **extra, "tags": [dict(t) for t in tags]}, actor)


def failed(job: JobState, code: int, text: str, actor: Mapping[str, str],
           extra: Mapping[str, Any] | None = None) -> ev.Event:
    return ev.new_event(ev.job_stream(job.jobid), job.version + 1, ev.JOB_FAILED,
                        {"code": code, "text": text, **(extra or {})}, actor)


def capacity_text(vmid: str) -> str:
    return f"Unable to deploy virtual machine id = {vmid} due to not enough capacity"
