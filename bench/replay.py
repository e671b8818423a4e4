"""Replay speed of `audit replay` on a large log.

A log of VM jobs (deploy, stop, start, reboot of each VM: 16 events a VM; 3,200 VMs make 51,200 events) is
built with the real pure functions, imported into empty tables (`restore.import_log`: BatchWriteItem of
the events and of the state replay rebuilds), then `audit replay`'s work is timed: reading the state table and
the log (parallel Scan segments), verifying every stream, replaying, comparing.

    .venv/bin/python bench/replay.py                     # moto in process
    .venv/bin/python bench/replay.py --target emulator   # the local stack's emulator, over HTTP
    .venv/bin/python bench/replay.py --vms 800 --segments 8
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
for _name, _value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                      "AWS_DEFAULT_REGION": "us-east-1"}.items():
    os.environ[_name] = _value
os.environ.pop("AWS_ENDPOINT_URL", None)

import moto  # noqa: E402,F401  (before any botocore client)

from jobledger.audit import reader, report  # noqa: E402
from jobledger.audit.jsonl import log_lines  # noqa: E402
from chalicelib.core.dates import cloudstack_date  # noqa: E402
from chalicelib.core import events as ev  # noqa: E402
from chalicelib.core import jobs  # noqa: E402
from chalicelib.core import vm as vms  # noqa: E402
from chalicelib.core.accounts import ADMIN  # noqa: E402
from chalicelib.core.fold import fold  # noqa: E402
from chalicelib.core.placement import address_at  # noqa: E402
from jobledger.inventory import inventory_rows  # noqa: E402

HOSTS = 100
WORKER = {"worker": "bench", "attempt": "1", "message": "m"}
INVENTORY: dict[str, Any] = {
    "zones": [{"id": "1", "name": "Bench 1", "networktype": "Advanced"}],
    "hosts": [{"id": str(h), "name": f"host-{h}", "zoneid": "1", "hypervisor": "XenServer", "cpunumber": 32,
               "cpuspeed": 2000, "memory": 131072} for h in range(2, HOSTS + 2)],
    "templates": [{"id": "1", "name": "CentOS", "displaytext": "CentOS", "zoneid": "1", "hypervisor": "XenServer"}],
    "serviceofferings": [{"id": "1", "name": "Small Instance", "cpunumber": 1, "cpuspeed": 500, "memory": 512}],
    "diskofferings": [],
    "networks": [{"id": "205", "name": "guest", "zoneid": "1", "cidr": "10.0.0.0/16", "gateway": "10.0.0.1",
                  "vlan": "295", "isdefault": True}],
}


class Clock:
    """Event times one millisecond apart, in the order events are made."""

    def __init__(self) -> None:
        self.ms = 0

    def __call__(self) -> str:
        self.ms += 1
        seconds, ms = divmod(self.ms, 1000)
        return time.strftime("2026-11-27T%H:%M:%S", time.gmtime(seconds)) + f".{ms:03d}Z"


def inventory_stream(clock: Clock) -> list[ev.Event]:
    rows = inventory_rows(INVENTORY, clock())
    chunks = [rows[i:i + 90] for i in range(0, len(rows), 90)]
    return ev.chained(None, [ev.new_event("inventory", n, ev.INVENTORY_LOADED, {
        "part": n, "parts": len(chunks), "rows": [{"kind": r.kind, "id": r.id, "data": dict(r.data)} for r in chunk]},
        {"system": "bootstrap"}, clock()) for n, chunk in enumerate(chunks, start=1)])


def job(jobid: int, command: str, vm: dict[str, Any], final: dict[str, Any], clock: Clock,
        failure: tuple[int, str] | None = None) -> list[ev.Event]:
    """One job's stream as the API and the worker write it (chained, timed by `clock`)."""
    extra = {"vm": vm} if command == "deployVirtualMachine" else None
    submitted = jobs.submitted(str(jobid), command, ADMIN.actor("bench"), "VirtualMachine", vm["id"], {}, extra,
                               clock())
    started = [ev.Event(e.stream, e.seq, e.type, e.data, clock(), e.actor)
               for e in jobs.start(fold(str(jobid), [submitted]), 1, WORKER)]
    state = fold(str(jobid), [submitted, *started])
    end = jobs.failed(state, *failure, WORKER, {"vm": final}) if failure else jobs.completed(
        state, {"virtualmachine": vms.public_view(final, cloudstack_date)}, WORKER, {"vm": final})
    end = ev.Event(end.stream, end.seq, end.type, end.data, clock(), end.actor)
    return ev.chained(None, [submitted, *started, end])


def vm_streams(n: int, clock: Clock) -> Iterator[list[ev.Event]]:
    """Deploy, stop, start, then a reboot that fails half the time (refused while Stopped): 4 jobs a VM."""
    offering, template, zone = INVENTORY["serviceofferings"][0], INVENTORY["templates"][0], INVENTORY["zones"][0]
    network = INVENTORY["networks"][0]
    for i in range(n):
        host = INVENTORY["hosts"][i % HOSTS]
        vm = vms.new_vm(str(100 + i), ADMIN, clock(), "Starting", zone, template, offering)
        nic = vms.nic(str(561 + i), network, address_at(network["cidr"], network["gateway"], i))
        running = vms.placed(vm, host, [nic], "Running")
        stopped = vms.unplaced(vms.with_state(running, "Stopped"))
        yield job(4 * i + 1, "deployVirtualMachine", vm, running, clock)
        yield job(4 * i + 2, "stopVirtualMachine", running, stopped, clock)
        if i % 2:
            yield job(4 * i + 3, "rebootVirtualMachine", stopped, stopped, clock,
                      (431, f"Unable to reboot virtual machine id = {vm['id']} because it is in state Stopped"))
            yield job(4 * i + 4, "startVirtualMachine", stopped, running, clock)
        else:
            yield job(4 * i + 3, "startVirtualMachine", stopped, running, clock)
            yield job(4 * i + 4, "rebootVirtualMachine", running, running, clock)


def build_log(n: int) -> dict[str, list[ev.Event]]:
    clock = Clock()
    streams = {"inventory": inventory_stream(clock)}
    for stream in vm_streams(n, clock):
        streams[stream[0].stream] = stream
    return streams


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vms", type=int, default=3200, help="VMs (16 events each; default 3,200: 51,200 events)")
    parser.add_argument("--segments", type=int, default=4)
    parser.add_argument("--target", choices=("moto", "emulator"), default="moto")
    args = parser.parse_args()
    with ExitStack() as stack:
        _start_target(args.target, stack)
        from jobledger.audit import restore
        from chalicelib.aws import models

        models.create_tables()
        started = time.perf_counter()
        log = build_log(args.vms)
        count = sum(len(s) for s in log.values())
        built = time.perf_counter()
        imported = restore.import_log(log_lines(log))
        written = time.perf_counter()
        print(f"built {count:,} events in {built - started:.1f} s; imported them (and {imported.rows:,} state rows) "
              f"in {written - built:.1f} s", file=sys.stderr)
        rows = reader.read_state(args.segments, reader.Progress("state rows"))
        stored = reader.read_log(args.segments, reader.Progress("events"))
        read = time.perf_counter()
        result = report.audit(stored, rows)
        done = time.perf_counter()
        assert result.clean, [str(p) for p in result.problems[:5]] + [str(d) for d in result.divergences[:5]]
        _report(args, count, len(rows), read - written, done - read)
    return 0


def _start_target(target: str, stack: ExitStack) -> None:
    if target == "moto":
        from moto import mock_aws

        stack.enter_context(mock_aws())
        return
    from chalicelib import settings
    from jobledger.emulator import Emulator

    emulator = Emulator().start()
    stack.callback(emulator.stop)
    settings.set_endpoint(emulator.url)


def _report(args: argparse.Namespace, events: int, rows: int, reading: float, checking: float) -> None:
    total = reading + checking
    print(f"target: {args.target}, {args.segments} scan segments; {events:,} events, {rows:,} state rows")
    print(f"read (state + log, parallel Scan): {reading:.2f} s ({events / reading:,.0f} events/s)")
    print(f"verify + replay + compare (pure):  {checking:.2f} s ({events / checking:,.0f} events/s)")
    print(f"audit replay, end to end:          {total:.2f} s ({events / total:,.0f} events/s)")


if __name__ == "__main__":
    sys.exit(main())
