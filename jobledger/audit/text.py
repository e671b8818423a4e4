"""The audit's reports as plain text: problems and divergences first, one per line, then the totals. Pure."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from jobledger.audit.report import Audit, Verified, job_line, totals
from jobledger.audit.verify import Problem

WARNINGS_SHOWN = 3
VERIFIED = "every stream contiguous from seq 1, hash chain intact, transitions legal, schemas known"
HEADS = ", each ending at the head the state rows record"


def verify_text(verified: Verified, against: tuple[Sequence[Problem], str] | None = None) -> str:
    """`audit verify`: integrity, completeness against the recorded heads, and against a seal if given."""
    problems = [*verified.problems, *(against[0] if against else ())]
    lines = [f"PROBLEM {p}" for p in problems] + _warnings(verified)
    lines.append(f"log: {verified.events:,} events in {len(verified.streams):,} streams")
    if against:
        lines.append(f"against {against[1]}")
    lines.append(f"verified: {_verdict(verified)}" if not problems else f"NOT INTACT: {len(problems)} problems")
    return "\n".join(lines)


def replay_text(result: Audit) -> str:
    """`audit replay`: problems, divergences, then totals and the verdict."""
    t = totals(result)
    lines = [f"PROBLEM {p}" for p in result.problems] + _warnings(result.verified)
    lines += [f"DIVERGENCE {d}" for d in result.divergences]
    lines += _totals_lines(t)
    lines.append(f"compared {t['rows_compared']:,} replayed state rows with the state table: "
                 f"{t['divergences']} divergences")
    if result.clean:
        lines.append(f"clean: {_verdict(result.verified)}; replay reproduces the state table")
    else:
        lines.append(f"NOT CLEAN: {t['problems']} problems, {t['divergences']} divergences")
    return "\n".join(lines)


def as_of_text(result: Audit) -> str:
    """`audit replay --as-of T`: every job's status and every host's capacity at that instant."""
    t = totals(result)
    lines = [f"PROBLEM {p}" for p in result.problems]
    lines.append(f"as of {result.as_of}: replayed {t['events_replayed']:,} of the log's {t['events']:,} events, "
                 f"from {result.rebuilt.streams:,} streams")
    lines += _totals_lines(t)[1:]
    lines.append(f"{'job':>6}  {'command':<24} {'instance':<20} {'status':<10} {'progress':>8}  result")
    for job in sorted(result.rebuilt.jobs.values(), key=lambda j: int(j.jobid)):
        line = job_line(job)
        code = "" if line["resultcode"] is None else str(line["resultcode"])
        lines.append(f"{line['jobid']:>6}  {line['command']:<24} {line['instance']:<20} {line['status']:<10} "
                     f"{line['procstatus']:>8}  {code}")
    return "\n".join(lines)


def _totals_lines(t: Mapping[str, Any]) -> list[str]:
    kinds = ", ".join(f"{k} {n:,}" for k, n in sorted(t["streams_by_kind"].items()))
    jobs = ", ".join(f"{k} {n:,}" for k, n in t["jobs_by_status"].items())
    vms = ", ".join(f"{k} {n:,}" for k, n in t["vms_by_state"].items())
    lines = [f"streams: {t['streams']:,} ({kinds}); events: {t['events']:,}",
             f"jobs: {t['jobs']:,} ({jobs})",
             f"vms: {t['vms']:,}" + (f" ({vms})" if vms else "") + f"; ip leases: {t['leases']:,}"]
    for h in t["hosts"]:
        lines.append(f"host {h['id']} {h['name']}: cpu {h['free_cpu']}/{h['cpu']} MHz free, memory "
                     f"{h['free_memory']}/{h['memory']} MB free, {h['running']} VMs running")
    return lines


def _verdict(verified: Verified) -> str:
    verdict = VERIFIED + (HEADS if verified.heads_checked else "")
    if not verified.warnings:
        return verdict
    return verdict.replace("hash chain intact", f"hash chain intact but for {len(verified.warnings):,} weak links")


def _warnings(verified: Verified) -> list[str]:
    warnings = verified.warnings
    lines = [f"WARNING {w}" for w in warnings[:WARNINGS_SHOWN]]
    if len(warnings) > WARNINGS_SHOWN:
        lines.append(f"WARNING … {len(warnings) - WARNINGS_SHOWN:,} more weak links like these (--json lists all)")
    return lines
