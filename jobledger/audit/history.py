"""A job's events as a timeline a person can read: time, event, who, attempt, what came of it. Pure: no I/O."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from jobledger.audit.compare import shown
from jobledger.audit.verify import check_stream
from chalicelib.core import events as ev

STATUS = ("pending", "succeeded", "failed")
COLUMNS = (("time", 24), ("seq", 3), ("event", 13), ("actor", 34), ("attempt", 7), ("result", 0))


def history(jobid: str, stored: Sequence[ev.Event]) -> dict[str, Any]:
    """The job's stream as stored, checked, with one entry per event (`--json` prints this)."""
    checked = check_stream(ev.job_stream(jobid), stored)
    upcast = {e.seq: e for e in checked.events}
    entries = [_entry(upcast.get(e.seq, e)) for e in sorted(stored, key=lambda e: e.seq)]
    job = checked.job
    return {"jobid": jobid, "command": job.command if job else None,
            "instance": f"{job.instancetype} {job.instanceid}".strip() if job else None,
            "status": STATUS[job.status] if job else None,
            "integrity": [str(p) for p in checked.problems] or "intact",
            "weak_links": [str(p) for p in checked.warnings], "events": entries}


def _entry(e: ev.Event) -> dict[str, Any]:
    return {"seq": e.seq, "at": e.at, "type": e.type, "schema": e.schema, "actor": dict(e.actor),
            "who": actor_text(e.actor), "attempt": _attempt(e), "result": outcome(e), "data": dict(e.data)}


def actor_text(actor: Mapping[str, Any]) -> str:
    """Who caused an event: a user through the API, a worker, an operator's tool, or the system."""
    if "worker" in actor:
        return f"worker {actor['worker']}" + (f" (message {str(actor['message'])[:8]})" if actor.get("message") else "")
    if "userid" in actor:
        request = f" (request {str(actor['request'])[:8]})" if actor.get("request") else ""
        return f"user {actor['userid']} of account {actor.get('accountid', '?')}{request}"
    if "operator" in actor:
        return f"{actor['operator']} with {actor.get('tool', 'a tool')}"
    if "system" in actor:
        return f"system ({actor['system']})"
    return ", ".join(f"{k}={v}" for k, v in actor.items()) or "unknown"


def _attempt(e: ev.Event) -> str:
    if e.type == ev.JOB_STARTED:
        return str(e.data.get("attempt", "?"))
    return str(e.actor.get("attempt", "-"))


def outcome(e: ev.Event) -> str:
    d = e.data
    if e.type == ev.JOB_SUBMITTED:
        params = " ".join(f"{k}={v}" for k, v in sorted((d.get("params") or {}).items()))
        return f"{d.get('command', '?')} {params}".strip()
    if e.type == ev.JOB_STARTED:
        return f"attempt {d.get('attempt', '?')} started"
    if e.type == ev.JOB_PROGRESSED:
        return f"procstatus {d.get('procstatus', '?')}"
    if e.type == ev.JOB_COMPLETED:
        result = d.get("result") or ({"virtualmachine": d["vm"]} if isinstance(d.get("vm"), Mapping) else {})
        return f"resultcode {d.get('resultcode', 0)}: {result_text(result)}"
    if e.type == ev.JOB_FAILED:
        return f"resultcode {d.get('code', '?')}: {d.get('text', '')}"
    return shown(d)


def result_text(result: Mapping[str, Any]) -> str:
    vm = result.get("virtualmachine")
    if isinstance(vm, Mapping):
        where = f" on host {vm['hostid']}" if vm.get("hostid") else ""
        addresses = ", ".join(n.get("ipaddress", "?") for n in vm.get("nic") or ())
        return f"virtualmachine {vm.get('id')} {vm.get('state')}{where}" + (f" ({addresses})" if addresses else "")
    user = result.get("user")
    if isinstance(user, Mapping):
        return f"user {user.get('id')} {user.get('state')}"
    return shown(dict(result))


def history_text(h: Mapping[str, Any]) -> str:
    lines = [f"job {h['jobid']}: {h['command']} on {h['instance']}: {h['status']}" if h["command"]
             else f"job {h['jobid']}: no readable JobSubmitted"]
    integrity = h["integrity"]
    lines.append("integrity: intact" + (f" (weak links: {len(h['weak_links'])})" if h["weak_links"] else "")
                 if integrity == "intact" else "integrity: " + "; ".join(integrity))
    lines.append(_row([name for name, _ in COLUMNS]))
    for e in h["events"]:
        lines.append(_row([e["at"], str(e["seq"]), e["type"], e["who"], e["attempt"], e["result"]]))
    return "\n".join(lines)


def _row(cells: Sequence[str]) -> str:
    widths = [width for _, width in COLUMNS]
    return "  ".join(cell.ljust(width) if width else cell for cell, width in zip(cells, widths, strict=True)).rstrip()
