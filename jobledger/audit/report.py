"""The audit: verify every stream of the log, replay what is legal, compare the result with the state table.
Takes events exactly as stored and rows as read (`logreader` reads them). Pure: no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from jobledger.audit.compare import Divergence, compare
from jobledger.audit.heads import check_heads, recorded_heads
from jobledger.audit.replay import Rebuilt, host_usage, jobs_by_status, replay, stream_order
from jobledger.audit.table import Key, Row
from jobledger.audit.verify import Problem, check_stream, stream_kind
from chalicelib.core import events as ev
from chalicelib.core.fold import JobState
from chalicelib.core.rows import Head


@dataclass
class Verified:
    """The log after checking: each stream's foldable events (upcast), its problems and weak links."""

    streams: dict[str, list[ev.Event]] = field(default_factory=dict)
    jobs: dict[str, JobState] = field(default_factory=dict)  # each job's stream folded whole
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    events: int = 0
    heads_checked: bool = False  # each stream's end compared with the head the state rows record


@dataclass
class Audit:
    verified: Verified
    rebuilt: Rebuilt
    divergences: list[Divergence]
    as_of: str | None = None

    @property
    def problems(self) -> list[Problem]:
        """Integrity problems, then the changes replay found the store would have refused."""
        return [*self.verified.problems, *self.rebuilt.problems]

    @property
    def clean(self) -> bool:
        return not self.problems and not self.divergences


def verify(stored: Mapping[str, Sequence[ev.Event]], recorded: Mapping[str, Head] | None = None,
           in_flight: tuple[str, str] | None = None) -> Verified:
    """Every stream's integrity; with the heads the state rows record (read before the log), its completeness
    too (`audit_heads.check_heads`)."""
    out = Verified()
    for stream in sorted(stored, key=stream_order):
        checked = check_stream(stream, stored[stream])
        out.streams[stream] = checked.events
        if checked.job is not None:
            out.jobs[checked.job.jobid] = checked.job
        out.problems += checked.problems
        out.warnings += checked.warnings
        out.events += len(stored[stream])
    if recorded is not None:
        out.problems += check_heads(stored, recorded, in_flight)
        out.heads_checked = True
    return out


def audit(stored: Mapping[str, Sequence[ev.Event]], rows: Mapping[Key, Row] | None,
          as_of: str | None = None, in_flight: tuple[str, str] | None = None) -> Audit:
    """Verify (with the heads `rows` record), replay (up to `as_of`), and compare with `rows` unless travelling
    in time (or rows is None)."""
    rows = rows if as_of is None else None  # travelling in time compares nothing
    verified = verify(stored, None if rows is None else recorded_heads(rows), in_flight)
    rebuilt = replay(verified.streams, as_of, verified.jobs)
    divergences = [] if rows is None else compare(rebuilt, rows)
    return Audit(verified, rebuilt, divergences, as_of)


def totals(result: Audit) -> dict[str, Any]:
    """The counts a clean report shows."""
    rebuilt = result.rebuilt
    streams: dict[str, int] = {}
    for stream in result.verified.streams:
        streams[stream_kind(stream)] = streams.get(stream_kind(stream), 0) + 1
    vm_states: dict[str, int] = {}
    for _, row in rebuilt.table.of_kind("vm"):
        state = row["data"].get("state", "?")
        vm_states[state] = vm_states.get(state, 0) + 1
    return {"streams": len(result.verified.streams), "streams_by_kind": streams,
            "events": result.verified.events, "events_replayed": rebuilt.events,
            "jobs": len(rebuilt.jobs), "jobs_by_status": jobs_by_status(rebuilt.jobs.values()),
            "vms": sum(vm_states.values()), "vms_by_state": dict(sorted(vm_states.items())),
            "leases": len(rebuilt.table.of_kind("lease")), "hosts": host_usage(rebuilt.table),
            "rows_compared": len(rebuilt.table.rows), "warnings": len(result.verified.warnings),
            "problems": len(result.problems), "divergences": len(result.divergences)}


def report(result: Audit) -> dict[str, Any]:
    """The whole result as JSON-ready data (`--json`)."""
    out: dict[str, Any] = {"clean": result.clean, "as_of": result.as_of, **totals(result),
                           "problem_list": [vars(p) for p in result.problems],
                           "warning_list": [vars(p) for p in result.verified.warnings],
                           "divergence_list": [vars(d) for d in result.divergences]}
    if result.as_of is not None:
        out["job_list"] = [job_line(j) for j in sorted(result.rebuilt.jobs.values(), key=lambda j: int(j.jobid))]
    return out


def job_line(job: JobState) -> dict[str, Any]:
    status = ("pending", "succeeded", "failed")[job.status]
    return {"jobid": job.jobid, "command": job.command, "instance": f"{job.instancetype} {job.instanceid}".strip(),
            "status": status, "procstatus": job.procstatus, "resultcode": job.resultcode}
