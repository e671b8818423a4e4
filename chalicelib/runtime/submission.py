"""How a job is accepted, the one way: JobSubmitted, its effects and the job's summary row committed in one
transaction, then its message sent. The API's submissions and the worker's own (deleteAccount's destroy jobs)
both come through here.
"""
from __future__ import annotations

import logging
from typing import Any, Callable, Mapping, Sequence

from chalicelib import settings, telemetry
from chalicelib.aws import eventlog, statetable
from chalicelib.aws.queue import send_job
from chalicelib.core import effects as fx
from chalicelib.core import jobs
from chalicelib.core.events import chained
from chalicelib.core.fold import fold, job_row

log = logging.getLogger(__name__)


def queue_vm_command(command: str, vmid: str, actor: Mapping[str, str], params: Mapping[str, str],
                     guard: Sequence[fx.Effect] = (), *, extra: Mapping[str, Any] | None = None,
                     effects: Sequence[fx.Effect] = (), send: bool = True) -> str:
    """Record a command on an existing VM as a job queued behind the VM's earlier jobs, and send it. `extra`:
    what the job's JobSubmitted carries beyond its loggable parameters (e.g. new user data's digest)."""
    jobid = new_job_id()
    return submit_job(command, actor, "VirtualMachine", vmid, params, jobid=jobid, extra=extra,
                      effects=[fx.QueueVmJob(vmid, jobid), *effects, *guard], send=send)


def new_job_id() -> str:
    config = settings.load()
    return statetable.next_id("job", config.job_id_start, config.id_block)


def submit_job(command: str, actor: Mapping[str, str], instancetype: str, instanceid: str,
               params: Mapping[str, str], *, jobid: str | None = None, extra: Mapping[str, Any] | None = None,
               at: str | None = None, effects: Sequence[fx.Effect] = (),
               record: Callable[[fx.Also], object] | None = None, send: bool = True) -> str:
    """The one way a job is accepted: JobSubmitted, its effects and the job's summary row in one transaction,
    then its message. `record` commits instead when the submission carries another aggregate's event (the
    revocation of deleteAccount and disableUser): it is handed what must ride in its transaction.
    `send=False`: the caller runs the job itself (runtime/inline); the VM's earlier job sends it when it ends,
    and the sweeper if that run dies."""
    jobid = jobid or new_job_id()
    [event] = chained(None, [jobs.submitted(jobid, command, actor, instancetype, instanceid, params, extra, at)])
    also = fx.Also([event], [*effects, fx.PutJob(job_row(fold(jobid, [event])))])
    if record is None:
        eventlog.commit(also.events, also.effects)
    else:
        record(also)
    telemetry.job_accepted(jobid, command, actor.get("accountid", ""), f"{instancetype} {instanceid}")
    if send:
        enqueue(jobid)
    return jobid


def enqueue(jobid: str) -> None:
    """Send the job's message. The job is recorded already: if the send fails it is still accepted, and the
    sweeper sends it (nothing accepted is lost, and the client is not told a recorded job was refused)."""
    try:
        send_job(jobid)
    except Exception:  # noqa: BLE001 - any failure here is the sweeper's to mend
        log.exception("job %s recorded but not enqueued; the sweeper will send it", jobid)
