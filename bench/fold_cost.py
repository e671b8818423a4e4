"""The pure read path's cost: folding a job's events (`chalicelib.core.fold.fold`) and rendering its
queryAsyncJobResult (`chalicelib.cloudstack.wire`), for jobs of 5 and of 500 events, against bare baselines.
Run: python -m bench.fold_cost"""
from __future__ import annotations

import json
import sys
from functools import partial
from typing import Any, Callable

from bench.measure import per_call, table, us
from chalicelib.cloudstack.wire import cloudstack_date, job_result_payload, render, root_name
from chalicelib.core import events as ev
from chalicelib.core import jobs
from chalicelib.core import vm as vms
from chalicelib.core.accounts import ADMIN
from chalicelib.core.fold import fold
from jobledger.inventory import read_inventory

SIZES = (5, 500)
VERSION = "3.0.1.6"


def job_events(count: int) -> list[ev.Event]:
    """A deploy job: Submitted, Started, `count - 3` Progressed, Completed with the VM as the result."""
    inventory = read_inventory()
    vm = vms.new_vm("100", ADMIN, ev.now_iso(), "Starting", inventory["zones"][0], inventory["templates"][0],
                    inventory["serviceofferings"][0])
    actor = ADMIN.actor("bench")
    submitted = jobs.submitted("1", "deployVirtualMachine", actor, "VirtualMachine", "100",
                               {"zoneid": "1", "serviceofferingid": "1", "templateid": "1"}, {"vm": vm})
    history = [submitted, *jobs.start(fold("1", [submitted]), 1, actor)]
    while len(history) < count - 1:
        history.append(ev.new_event("job#1", len(history) + 1, ev.JOB_PROGRESSED, {"procstatus": 1}, actor))
    network = inventory["networks"][0]
    final = vms.placed(vm, inventory["hosts"][0], [vms.nic("561", network, "10.1.1.2")], "Running")
    done = jobs.completed(fold("1", history), {"virtualmachine": vms.public_view(final, cloudstack_date)}, actor,
                          {"vm": final})
    return ev.chained(None, [*history, done])


def bare_fold(events: list[ev.Event]) -> dict[str, Any]:
    """The least a fold can do: visit each event once and keep its data."""
    state: dict[str, Any] = {}
    for e in events:
        state.update(e.data)
    return state


def rendering(events: list[ev.Event], fmt: str) -> Callable[[], str]:
    """What the API does once the events are read: payload, then the response body."""
    job = fold("1", events)

    def run() -> str:
        return render(root_name("queryAsyncJobResult"), job_result_payload(job, fmt), fmt, VERSION).body

    return run


def measure(event_budget: int = 200_000) -> list[tuple[str, float, float, str]]:
    """(what, seconds per call, baseline seconds per call, baseline name); about `event_budget` events folded
    per size, so both sizes run long enough to time."""
    out = []
    for size in SIZES:
        events, n = job_events(size), max(400, event_budget // size)
        dumped = per_call(partial(json.dumps, job_result_payload(fold("1", events), "json")), n)
        out.append((f"fold, {size} events", per_call(partial(fold, "1", events), n),
                    per_call(partial(bare_fold, events), n), "a loop keeping each event's data"))
        for fmt in ("json", "xml"):
            out.append((f"payload + render {fmt}, {size} events", per_call(rendering(events, fmt), n), dumped,
                        "json.dumps of the payload"))
    return out


def report(results: list[tuple[str, float, float, str]]) -> str:
    rows = [(what, us(t), us(b), f"{t / b:.1f}", base) for what, t, b, base in results]
    return ("## Fold and rendering cost\n\nPure Python, no I/O: a deploy job with a VM result. "
            "Mean of back-to-back calls.\n\n" + table(("what", "time per call", "baseline", "ratio", "baseline is"),
                                                     rows) + "\n")


def main() -> int:
    print(report(measure()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
