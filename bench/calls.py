"""AWS requests per operation (counted with a botocore hook against in-process moto), next to the fewest the
design allows for it. Run: python -m bench.calls"""
from __future__ import annotations

import sys
from collections import Counter
from functools import partial
from typing import Any, Callable

from bench.harness import COUNT, Cloud
from chalicelib import settings
from bench.measure import table

# The fewest requests design allows, and why. Every API request authenticates (GetItem of the key): 1.
# Rates are limited by API Gateway and WAF, which cost no request (infra/merge.yaml). Ids come from counters,
# leased a block per process (JOBLEDGER_ID_BLOCK), so a counter costs ~0 per operation. Nothing is assumed
# cached except the queue URL.
SHARDS = settings.load().state_shards
MINIMUM: dict[str, tuple[int, str]] = {
    "submit deployVirtualMachine": (4, "auth 1 + BatchGet(zone, offering, template) + 1 transaction + 1 send"),
    "submit stopVirtualMachine": (4, "auth 1 + GetItem(vm) + 1 transaction + 1 send"),
    "queryAsyncJobResult": (2, "auth 1 + 1 consistent Query of the stream"),
    "worker: deploy succeeds": (6, "Query stream, GetItem vm, txn Started, Query hosts, txn terminal, "
                                   "GetItem vm (next job)"),
    "worker: stop succeeds": (5, "Query stream, GetItem vm, txn Started, txn terminal, GetItem vm (next job)"),
    "worker: deploy fails (no capacity)": (6, "as a successful deploy: the failure is its terminal transaction"),
    "worker: start refused (state)": (5, "Query stream, GetItem vm, txn Started, txn terminal, GetItem vm"),
    # Lists of the kinds that grow with traffic query every shard of their scope (docs/ARCHITECTURE.md, "State
    # keys"; first pages side by side), then read the page's rows by key; other kinds have one shard.
    "listVirtualMachines": (2 + SHARDS, f"auth 1 + {SHARDS} shard Queries (count from them when one page holds "
                                        "all) + 1 BatchGet of the rows"),
    "listAsyncJobs": (2 + SHARDS, f"auth 1 + {SHARDS} shard Queries + 1 BatchGet of the rows"),
    "listZones": (3, "auth 1 + 1 index Query of the kind + 1 BatchGet of the rows"),
    "listServiceOfferings": (3, "auth 1 + 1 index Query of the kind + 1 BatchGet"),
    "listDiskOfferings": (3, "auth 1 + 1 index Query of the kind + 1 BatchGet"),
    "listTemplates": (3, "auth 1 + 1 index Query + 1 BatchGet (zone names stored with the templates)"),
    "listDomains": (3, "auth 1 + 1 index Query + 1 BatchGet"),
    "listAccounts (3 accounts)": (3, "auth 1 + 1 index Query + 1 BatchGet (users stored with, or queried with, "
                                     "the accounts)"),
    "listPublicIpAddresses": (1, "auth 1: nothing to read"),
    "sweeper (nothing to do)": (2 * SHARDS, f"1 Query per shard of the sparse unfinished index ({2 * SHARDS})"),
    "hourly sealer (small log)": (2 * SHARDS + 3, f"1 Query per `by-kind` shard of jobs and heads ({2 * SHARDS}), "
                                                  "BatchGets of the heads, 1 PutItem of the seal row"),
}


def measure(cloud: Cloud) -> dict[str, Counter[str]]:
    """Each operation once, on a cloud where it does real work; the requests each made."""
    out: dict[str, Counter[str]] = {}

    def count(name: str, action: Callable[[], Any]) -> Any:
        with COUNT.counting() as counts:
            result = action()
        out[name] = Counter(counts)
        return result

    _accounts(cloud)
    deployed = count("submit deployVirtualMachine", lambda: _deploy(cloud, "1"))
    count("worker: deploy succeeds", lambda: cloud.deliver(cloud.receive()))
    count("queryAsyncJobResult", lambda: cloud.ok(command="queryAsyncJobResult", jobid=deployed["jobid"]))
    count("submit stopVirtualMachine", lambda: cloud.ok(command="stopVirtualMachine", id=deployed["id"]))
    count("worker: stop succeeds", lambda: cloud.deliver(cloud.receive()))
    for _ in range(2):  # Medium Instances: the default host holds two
        _deploy(cloud, "2")
        cloud.run_worker()
    _deploy(cloud, "2")
    count("worker: deploy fails (no capacity)", lambda: cloud.deliver(cloud.receive()))
    cloud.ok(command="destroyVirtualMachine", id=deployed["id"])
    cloud.run_worker()
    cloud.ok(command="startVirtualMachine", id=deployed["id"])
    count("worker: start refused (state)", lambda: cloud.deliver(cloud.receive()))
    _lists(cloud, count)
    for name, handler in scheduled_handlers():
        what = "sweeper (nothing to do)" if name == "job_sweeper" else "hourly sealer (small log)"
        count(what, partial(handler, SCHEDULED_EVENT, None))
    return out


SCHEDULED_EVENT = {"version": "0", "id": "bench", "detail-type": "Scheduled Event", "source": "aws.events",
                   "account": "123456789012", "time": "2026-01-01T00:00:00Z", "region": "us-east-1",
                   "resources": [], "detail": {}}


def scheduled_handlers() -> list[tuple[str, Callable[..., object]]]:
    """The app's @app.schedule functions by name, as Lambda invokes them."""
    from chalice.app import ScheduledEventConfig

    import app as application

    names = [s.handler_string.rsplit(".", 1)[1] for s in application.app.event_sources
             if isinstance(s, ScheduledEventConfig)]
    return [(name, getattr(application, name)) for name in names]


def _deploy(cloud: Cloud, offering: str) -> dict[str, str]:
    return {k: str(v) for k, v in cloud.ok(command="deployVirtualMachine", zoneid="1", serviceofferingid=offering,
                                             templateid="1").items()}


def _accounts(cloud: Cloud) -> None:
    for name in ("ann", "ben"):
        cloud.ok(command="createAccount", accounttype="0", username=name, password="pw",
                   email=f"{name}@example.org", firstname=name, lastname="x")


def _lists(cloud: Cloud, count: Callable[[str, Callable[[], Any]], Any]) -> None:
    for command in ("listVirtualMachines", "listAsyncJobs"):
        count(command, partial(cloud.call, command=command, listall="true"))
    for command in ("listZones", "listServiceOfferings", "listDiskOfferings", "listDomains",
                    "listPublicIpAddresses"):
        count(command, partial(cloud.call, command=command))
    count("listTemplates", lambda: cloud.ok(command="listTemplates", templatefilter="featured"))
    count("listAccounts (3 accounts)", lambda: cloud.ok(command="listAccounts", listall="true"))


def report(results: dict[str, Counter[str]]) -> str:
    rows = []
    for name, counts in results.items():
        minimum, why = MINIMUM[name]
        detail = ", ".join(f"{op.split(':')[1]} {n}" for op, n in sorted(counts.items()))
        total = sum(counts.values())
        rows.append((name, total, minimum, f"{total / minimum:.2f}", detail, why))
    return ("## AWS requests per operation\n\nCounted with a botocore `before-call` hook, in-process moto. "
            "Ratio = requests made / fewest the design allows. `GetQueueUrl` is made once per process (cached).\n\n"
            + table(("operation", "requests", "design minimum", "ratio", "made", "minimum is"), rows) + "\n")


def main() -> int:
    cloud = Cloud()
    try:
        print(report(measure(cloud)))
    finally:
        cloud.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
