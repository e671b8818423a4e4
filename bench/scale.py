"""Scale by simulation: every DynamoDB write of a load run (deploy jobs, each polled 3 times, run by the worker)
recorded with its table, index and partition key, then extrapolated to a target submit rate; and a list-price
cost per million jobs next to Step Functions Standard. Run: python -m bench.scale [jobs]

Partitions are counted for base tables and for the state table's indexes where the written item names the
index key (puts; an update is charged to the item's own partition). Units: a write costs ceil(size / 1 KB)
write units, twice inside a transaction; a strongly consistent read ceil(size / 4 KB) read units.
"""
from __future__ import annotations

import json
import math
import sys
from collections import Counter
from typing import Any, Mapping

from bench.harness import Cloud
from tests.awshooks import SwitchableHook

TARGET = 10_000  # submits per second
LIMIT_WCU = 1_000  # DynamoDB's per-partition write limit per second
INDEX_KEYS = {"by-kind": "kind", "by-owner": "owner", "by-domain": "domainid", "unfinished": "unfinished"}
HASH_KEY = {"jobledger-events": "stream", "jobledger-state": "kind"}
# us-east-1 list prices (on-demand DynamoDB after the Nov 2024 cut; Lambda x86; REST API; SQS standard)
PRICE = {"wru": 0.625e-6, "rru": 0.125e-6, "lambda_gbs": 0.0000166667, "lambda_req": 0.2e-6,
         "apigw": 3.5e-6, "sqs": 0.4e-6, "sfn_transition": 25e-6}


class Writes(SwitchableHook):
    """(table or table/index, partition key value) -> write units, and totals of read/write units."""

    def __init__(self) -> None:
        self.units: Counter[tuple[str, str]] = Counter()
        self.totals: Counter[str] = Counter()

    def observe(self, params: Mapping[str, Any] | None = None, model: Any = None, **_: Any) -> None:
        if model.service_model.service_name != "dynamodb":
            return
        params = dict(params or {})
        name = model.name
        if name == "TransactWriteItems":
            for item in params["TransactItems"]:
                (kind, body), = item.items()
                self._write(body, kind, transactional=True)
        elif name in ("PutItem", "UpdateItem", "DeleteItem"):
            self._write(params, name.replace("Item", ""), transactional=False)
        elif name == "BatchWriteItem":
            for table, requests in params["RequestItems"].items():
                for request in requests:
                    body = request.get("PutRequest") or request.get("DeleteRequest") or {}
                    self._write({"TableName": table, **body}, "Put", transactional=False)
        elif name in ("GetItem", "Query", "BatchGetItem"):
            self.totals["rru"] += 1  # small items: one read unit per strongly consistent request (lower bound)

    def _write(self, body: Mapping[str, Any], kind: str, transactional: bool) -> None:
        table = str(body.get("TableName", "?"))
        item = body.get("Item") or body.get("Key") or {}
        size = len(json.dumps(item))
        units = math.ceil(max(size, 1) / 1024) * (2 if transactional else 1)
        if kind in ("ConditionCheck",):
            units = 2 if transactional else 1  # a check costs as a write inside a transaction
        self.totals["wru"] += units
        self.units[(table, _value(item.get(HASH_KEY.get(table, ""), {})))] += units
        if "state" in table and body.get("Item"):
            for index, attribute in INDEX_KEYS.items():
                if attribute in body["Item"]:
                    self.units[(f"{table}/{index}", _value(body["Item"][attribute]))] += units


def _value(attribute: Mapping[str, Any]) -> str:
    return str(next(iter(attribute.values()))) if attribute else "?"


RECORDER = Writes()
RECORDER.install("before-parameter-build")


def run(jobs: int) -> tuple[Writes, int]:
    cloud = Cloud()
    try:
        with RECORDER.switched_on():
            for _ in range(jobs):
                job = cloud.ok(command="deployVirtualMachine", zoneid="1", serviceofferingid="1", templateid="1")
                cloud.run_worker()
                for _ in range(3):
                    cloud.ok(command="queryAsyncJobResult", jobid=job["jobid"])
                cloud.ok(command="destroyVirtualMachine", id=job["id"], expunge="true")  # keep the host free
                cloud.run_worker()
    finally:
        cloud.close()
    return RECORDER, jobs


def report(writes: Writes, jobs: int) -> str:
    per_job = {key: units / jobs for key, units in writes.units.items()}
    shared = sorted(((u, k) for k, u in per_job.items() if not k[1].startswith(("job#", "vm#", "volume#"))),
                    reverse=True)
    rows = [f"| `{table}` | `{key}` | {u:.2f} | {u * TARGET:,.0f} | {u * TARGET / LIMIT_WCU:.0%} |"
            for u, (table, key) in shared[:8]]
    wru, rru = writes.totals["wru"] / jobs, writes.totals["rru"] / jobs
    return "\n".join([
        f"## Scale by simulation (`bench/scale.py`, {jobs} deploy+destroy jobs, each polled 3 times)", "",
        f"Write units per job {wru:.1f}, read requests per job {rru:.1f}. The partition keys every job writes to, "
        f"extrapolated to {TARGET:,} jobs/s against DynamoDB's {LIMIT_WCU:,} WCU/s per partition (per-job keys such "
        "as `job#N` streams spread and are left out):", "",
        "| table / index | partition key | WCU per job | WCU/s at 10,000 jobs/s | of the partition limit |",
        "|---|---|---|---|---|", *rows, "",
        cost(wru, rru), ""])


def cost(wru: float, rru: float, lambda_ms: Mapping[str, float] | None = None) -> str:
    """List price per million jobs; Lambda at 512 MB with the durations given (assumed, see the text)."""
    ms = dict(lambda_ms or {"api": 40.0, "worker": 120.0})
    api_calls = 1 + 3 + 1  # submit, 3 polls, destroy
    dynamo = (wru * PRICE["wru"] + rru * PRICE["rru"]) * 1e6
    lam = ((api_calls * ms["api"] + 2 * ms["worker"]) / 1000 * 0.5 * PRICE["lambda_gbs"]
           + (api_calls + 2) * PRICE["lambda_req"]) * 1e6
    apigw = api_calls * PRICE["apigw"] * 1e6
    sqs = 2 * 3 * PRICE["sqs"] * 1e6  # send, receive, delete per job message
    ours = dynamo + lam + apigw + sqs
    # Step Functions Standard running the same job as three states, with the same API Gateway and Lambdas
    sfn = 5 * PRICE["sfn_transition"] * 1e6 + lam + apigw
    lines = {"DynamoDB": dynamo, "Lambda": lam, "API Gateway": apigw, "SQS": sqs}
    top = max(lines, key=lambda k: lines[k])
    return (f"Cost per million jobs at list price (us-east-1; Lambda 512 MB, {ms['api']:.0f} ms per API call and "
            f"{ms['worker']:.0f} ms per worker run assumed): "
            + ", ".join(f"{k} ${v:,.2f}" for k, v in lines.items())
            + f" — **${ours:,.2f}**; Step Functions Standard for the same three-step job (5 state transitions) "
            f"plus the same API Gateway and Lambdas: **${sfn:,.2f}** (ratio {ours / sfn:.2f}). {top} dominates: "
            "the job's summary row is rewritten whole (about 2 KB, so 2 units, doubled in a transaction) with every "
            "job event; keeping only what lists need in it would roughly halve the DynamoDB line.")


def main(argv: list[str]) -> int:
    writes, jobs = run(int(argv[1]) if len(argv) > 1 else 100)
    print(report(writes, jobs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
