"""Folding a job's event stream into its current state. Pure: no I/O."""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any, Callable, Iterable, Mapping

from chalicelib.core import events as ev
from chalicelib.core import vm as vms
from chalicelib.core.dates import cloudstack_date

PENDING, SUCCEEDED, FAILED = 0, 1, 2


@dataclass(frozen=True)
class JobState:
    jobid: str
    command: str = ""
    cmd: str = ""
    created: str = ""
    accountid: str = ""
    userid: str = ""
    domainid: str = ""
    instancetype: str = ""
    instanceid: str = ""
    params: Mapping[str, str] | None = None
    status: int = PENDING
    procstatus: int = 0
    resultcode: int | None = None
    result: Mapping[str, Any] | None = None  # as stored in the terminal event (old VM jobs, non-VM results)
    resultvm: Mapping[str, Any] | None = None  # a VM job's VM document and tags, rendered when read (jobresult)
    errortext: str | None = None
    completed: str | None = None
    attempts: int = 0
    version: int = 0
    updated: str = ""  # when the last event happened (the sweeper's clock)

    @property
    def finished(self) -> bool:
        return self.status != PENDING

    @property
    def jobresult(self) -> Mapping[str, Any] | None:
        """The result as clients see it: stored rendered, or a VM job's VM rendered now from its document by the
        wire contract this code speaks, as listVirtualMachines renders a VM's row (the log keeps the facts; the
        view follows the contract, the same on every read path and in the audit's replay)."""
        return vm_result(self.resultvm) if self.resultvm is not None else self.result


# One mutator per event type: each answers the fields its event changes (one `replace` per event in `fold`).
Changes = dict[str, Any]


def _submitted(state: JobState, e: ev.Event) -> Changes:
    d = e.data
    return {"command": d["command"], "cmd": d["cmd"], "created": e.at, "accountid": d["accountid"],
            "userid": d["userid"], "domainid": d.get("domainid", ""), "instancetype": d.get("instancetype", ""),
            "instanceid": d.get("instanceid", ""), "params": d.get("params", {})}


def _started(state: JobState, e: ev.Event) -> Changes:
    progress = {"procstatus": int(e.data["procstatus"])} if "procstatus" in e.data else {}
    return {"attempts": max(state.attempts, int(e.data.get("attempt", 1))), **progress}


def _progressed(state: JobState, e: ev.Event) -> Changes:
    return {"procstatus": int(e.data["procstatus"])}


def _completed(state: JobState, e: ev.Event) -> Changes:
    d = e.data
    outcome = {"result": d["result"]} if "result" in d else \
        {"resultvm": {"vm": dict(d["vm"]), "tags": [dict(t) for t in d.get("tags") or ()]}}
    return {"status": SUCCEEDED, "procstatus": 0, "resultcode": int(d.get("resultcode", 0)), **outcome,
            "completed": e.at}


def vm_result(resultvm: Mapping[str, Any]) -> dict[str, Any]:
    """A VM job's result from the VM's document and the tags shown (`jobs.completed_vm`): the VM as the wire
    shows it."""
    vm = dict(resultvm["vm"], tags=list(resultvm.get("tags") or []))
    return {"virtualmachine": vms.public_view(vm, cloudstack_date)}


def _failed(state: JobState, e: ev.Event) -> Changes:
    return {"status": FAILED, "procstatus": 0, "resultcode": int(e.data["code"]), "errortext": e.data["text"],
            "completed": e.at}


MUTATORS: dict[str, Callable[[JobState, ev.Event], Changes]] = {
    ev.JOB_SUBMITTED: _submitted,
    ev.JOB_STARTED: _started,
    ev.JOB_PROGRESSED: _progressed,
    ev.JOB_COMPLETED: _completed,
    ev.JOB_FAILED: _failed,
}


class IllegalStream(ValueError):
    """The stream breaks the job state machine (a gap, a missing start, something after the end)."""


def fold(jobid: str, events: Iterable[ev.Event]) -> JobState:
    """Apply each event in order; refuse a stream that the state machine does not allow."""
    state = JobState(jobid=jobid)
    for e in events:
        if e.seq != state.version + 1:
            raise IllegalStream(f"job {jobid}: expected seq {state.version + 1}, got {e.seq}")
        if (e.type == ev.JOB_SUBMITTED) != (state.version == 0):
            raise IllegalStream(f"job {jobid}: {e.type} at seq {e.seq}")
        if state.finished:
            raise IllegalStream(f"job {jobid}: {e.type} after the terminal event")
        mutate = MUTATORS.get(e.type)
        if mutate is None:
            raise IllegalStream(f"job {jobid}: unknown event type {e.type}")
        state = replace(state, **mutate(state, e), version=e.seq, updated=e.at)
    return state


def job_row(job: JobState) -> dict[str, Any]:
    """The job as its summary row stores it."""
    return asdict(job)


def job_from_row(row: Mapping[str, Any]) -> JobState:
    return JobState(**{k: v for k, v in row.items() if k in JobState.__dataclass_fields__})
