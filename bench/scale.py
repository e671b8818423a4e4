"""Scale by simulation: every DynamoDB request of a load run (deploy jobs, each polled 3 times, run by the
worker, then destroyed) recorded with its table or index, partition key and capacity units, then extrapolated to
a target submit rate; and a list-price cost per million jobs next to Step Functions Standard.
Run: python -m bench.scale [pairs] [--json]

The key layout is read from the models (table hash key, each index's keys and projection), so the same script
measures any layout. Writes: ceil(size / 1 KB) write units, twice inside a transaction (a condition check too).
Index writes are taken from the item before and after each request (read from moto's store): an index is
written when the item enters or leaves it, changes its index key (a delete and a put), or changes a projected
attribute (with ALL, any attribute): as DynamoDB charges index writes, once, at the projected item's size.
Reads: ceil(size / 4 KB) per item read by key, per Query the sum of the items returned (at least one unit),
halved when eventually consistent.
"""
from __future__ import annotations

import json
import math
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, Mapping, TypeVar

# as the dev stage runs: ids and address cursors leased 50 at a time, inventory rows kept a minute per container
os.environ.setdefault("JOBLEDGER_ID_BLOCK", "50")
os.environ.setdefault("JOBLEDGER_INVENTORY_CACHE_SECONDS", "60")

from bench.harness import COUNT, Cloud  # noqa: E402  (sets the fake AWS environment before any client)
from chalicelib.aws import statetable  # noqa: E402
from chalicelib.aws.models import EventRecord, StateRecord  # noqa: E402
from jobledger import inventory  # noqa: E402
from moto.dynamodb.models import dynamodb_backends  # noqa: E402
from moto.core.botocore_stubber import BotocoreStubber  # noqa: E402
from moto.dynamodb.models.dynamo_type import DynamoType  # noqa: E402
from tests.awshooks import SwitchableHook  # noqa: E402

TARGET = 10_000  # submits per second
SUBMITS = 2  # per pair: a deploy and its destroy
LIMIT_WCU, LIMIT_RCU = 1_000, 3_000  # DynamoDB's per-partition limits per second
# us-east-1 list prices (on-demand DynamoDB after the Nov 2024 cut; Lambda x86; REST API; SQS standard)
PRICE = {"wru": 0.625e-6, "rru": 0.125e-6, "lambda_gbs": 0.0000166667, "lambda_req": 0.2e-6,
         "apigw": 3.5e-6, "sqs": 0.4e-6, "sfn_transition": 25e-6}
WRITES = ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem")
READS = ("GetItem", "BatchGetItem", "Query")


def _hash_first(key: Mapping[str, str]) -> int:
    return 0 if key["KeyType"] == "HASH" else 1


class Layout:
    """A table's keys and indexes as its model declares them."""

    def __init__(self, model: Any) -> None:
        schema = model._get_schema()
        self.hash = next(k["AttributeName"] for k in schema["key_schema"] if k["KeyType"] == "HASH")
        self.range = next((k["AttributeName"] for k in schema["key_schema"] if k["KeyType"] == "RANGE"), None)
        self.indexes = {i["index_name"]: ([k["AttributeName"] for k in sorted(i["key_schema"], key=_hash_first)],
                                          i["projection"]["ProjectionType"],
                                          i["projection"].get("NonKeyAttributes", []))
                        for i in schema.get("global_secondary_indexes", [])}

    def key_names(self) -> list[str]:
        return [a for a in (self.hash, self.range) if a]


class Recorder(SwitchableHook):
    """(table or table/index, partition key value) -> write units and read units; totals of both."""

    def __init__(self) -> None:
        self.writes: Counter[tuple[str, str]] = Counter()
        self.reads: Counter[tuple[str, str]] = Counter()
        self.totals: Counter[str] = Counter()
        self.phase = "?"  # what the run is doing (a submit, a poll, the worker's run of a job): units per phase
        self.by_phase: Counter[tuple[str, str]] = Counter()
        # per thread (listings read their shards side by side): the request between its two hooks
        self.pending: dict[int, list[tuple[str, dict[str, Any], list[Any]]]] = {}
        self.lock = threading.Lock()

    def layouts(self) -> dict[str, Layout]:
        return {EventRecord.Meta.table_name: Layout(EventRecord), StateRecord.Meta.table_name: Layout(StateRecord)}

    def observe(self, **kwargs: Any) -> None:
        model = kwargs["model"]
        if model.service_model.service_name != "dynamodb":
            return
        if "params" in kwargs and kwargs.get("event_name", "").startswith("before-parameter-build"):
            params = dict(kwargs["params"] or {})
            touched = [(t, k, self._item(t, k)) for t, k in _keys_of(model.name, params)]
            self.pending.setdefault(threading.get_ident(), []).append((model.name, params, touched))
        elif kwargs.get("event_name", "").startswith("after-call") and self.pending.get(threading.get_ident()):
            name, params, touched = self.pending[threading.get_ident()].pop()
            with self.lock:
                if name in WRITES:
                    self._writes(name, params, touched)
                elif name in READS:
                    self._reads(name, params, dict(kwargs.get("parsed") or {}))

    def _item(self, table: str, key: Mapping[str, Any]) -> dict[str, Any] | None:
        layout = self.layouts().get(table)
        if layout is None:
            return None
        backend = dynamodb_backends["123456789012"]["us-east-1"]
        found = backend.get_table(table).get_item(DynamoType(key[layout.hash]),
                                                  DynamoType(key[layout.range]) if layout.range else None)
        return None if found is None else {n: v.to_json() for n, v in found.attrs.items()}

    def _writes(self, name: str, params: Mapping[str, Any], touched: list[Any]) -> None:
        transactional = name == "TransactWriteItems"
        for (table, key, before), body in zip(touched, _write_bodies(name, params), strict=True):
            layout = self.layouts()[table]
            after = self._item(table, key)
            item = body.get("Item") or after or before or key
            units = _units(item, 1024) * (2 if transactional else 1)
            self._write(table, _value(key[layout.hash]), units)
            for index, (keys, projection, extra) in layout.indexes.items():
                carried = [*keys, *layout.key_names(), *extra]
                for partition, size in _index_writes(keys, projection, carried, before, after):
                    self._write(f"{table}/{index}", partition, _units(size, 1024))

    def _write(self, table: str, partition: str, units: float) -> None:
        self.writes[(table, partition)] += units
        self.totals["wru"] += units
        self.by_phase[(self.phase, "wru")] += units

    def _reads(self, name: str, params: Mapping[str, Any], parsed: Mapping[str, Any]) -> None:
        consistent = 1.0 if params.get("ConsistentRead") else 0.5
        if name == "GetItem":
            self._read(params["TableName"], params["Key"], [parsed.get("Item") or {}], consistent)
        elif name == "BatchGetItem":
            for table, request in params["RequestItems"].items():
                found = {json.dumps(_key_of(self.layouts()[table], i), sort_keys=True): i
                         for i in parsed.get("Responses", {}).get(table, [])}
                factor = 1.0 if request.get("ConsistentRead") else 0.5
                for key in request["Keys"]:
                    self._read(table, key, [found.get(json.dumps(key, sort_keys=True), {})], factor)
        else:
            table = params["TableName"] + (f"/{params['IndexName']}" if params.get("IndexName") else "")
            units = max(1, math.ceil(sum(_size(i) for i in parsed.get("Items", [])) / 4096)) * consistent
            self._count_read(table, _query_partition(params), units)

    def _read(self, table: str, key: Mapping[str, Any], items: list[Mapping[str, Any]], factor: float) -> None:
        units = _units(items[0] if items and items[0] else key, 4096) * factor
        self._count_read(table, _value(key[self.layouts()[table].hash]), units)

    def _count_read(self, table: str, partition: str, units: float) -> None:
        self.reads[(table, partition)] += units
        self.totals["rru"] += units
        self.by_phase[(self.phase, "rru")] += units


def _keys_of(name: str, params: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The (table, key) of every item a request writes (reads are not looked up)."""
    layouts = RECORDER.layouts()
    out = []
    for table, body in _write_bodies_with_tables(name, params):
        layout = layouts.get(table)
        if layout is not None:
            out.append((table, _key_of(layout, body.get("Item") or body.get("Key") or {})))
    return out


def _write_bodies_with_tables(name: str, params: Mapping[str, Any]) -> Iterable[tuple[str, Mapping[str, Any]]]:
    if name == "TransactWriteItems":
        for entry in params["TransactItems"]:
            (_, body), = entry.items()
            yield body["TableName"], body
    elif name in ("PutItem", "UpdateItem", "DeleteItem"):
        yield params["TableName"], params
    elif name == "BatchWriteItem":
        for table, requests in params["RequestItems"].items():
            for request in requests:
                yield table, request.get("PutRequest") or request.get("DeleteRequest") or {}


def _write_bodies(name: str, params: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [body for _, body in _write_bodies_with_tables(name, params)]


def _key_of(layout: Layout, item: Mapping[str, Any]) -> dict[str, Any]:
    return {a: item[a] for a in (layout.hash, layout.range) if a and a in item}


def _index_writes(keys: list[str], projection: str, carried: list[str], before: Mapping[str, Any] | None,
                  after: Mapping[str, Any] | None) -> list[tuple[str, Any]]:
    """(partition, projected item) of each index write the change from `before` to `after` makes; `carried`:
    the attributes a KEYS_ONLY or INCLUDE index holds (its keys, the table's keys, the included ones)."""
    def projected(item: Mapping[str, Any] | None) -> dict[str, Any] | None:
        if item is None or any(k not in item for k in keys):
            return None
        return dict(item) if projection == "ALL" else {n: v for n, v in item.items() if n in carried}

    old, new = projected(before), projected(after)
    if old == new:
        return []
    if old is not None and new is not None and all(old[k] == new[k] for k in keys):
        return [(_value(new[keys[0]]), new)]  # projected attributes changed in place
    return [(_value(i[keys[0]]), i) for i in (old, new) if i is not None]


def _query_partition(params: Mapping[str, Any]) -> str:
    """The hash key value a Query names (`#n = :v` in its key condition)."""
    names, values = params.get("ExpressionAttributeNames", {}), params.get("ExpressionAttributeValues", {})
    for name, value in re.findall(r"(#\w+) = (:\w+)", params.get("KeyConditionExpression", "")):
        if names.get(name) in ("stream", "pk", "kind", "kindkey", "ownerkey", "domainkey", "pendingkey", "owner",
                               "domainid", "unfinished"):
            return _value(values[value])
    return "?"


def _size(item: Mapping[str, Any]) -> int:
    """DynamoDB's item size: attribute names plus values (numbers and sets approximated by their text)."""
    total = 0
    for name, typed in item.items():
        (kind, value), = typed.items()
        total += len(name.encode("utf-8"))
        if kind in ("S", "N"):
            total += len(str(value).encode("utf-8"))
        elif kind == "B":
            total += len(value) if isinstance(value, (bytes, bytearray)) else len(str(value)) * 3 // 4
        else:
            total += len(json.dumps(value).encode("utf-8"))
    return total


def _units(item: Any, unit: int) -> int:
    size = item if isinstance(item, int) else _size(item)
    return max(1, math.ceil(size / unit))


def _value(attribute: Any) -> str:
    return str(next(iter(attribute.values()))) if isinstance(attribute, Mapping) and attribute else "?"


RECORDER = Recorder()
RECORDER.install("before-parameter-build")
RECORDER.install("after-call")


C = TypeVar("C", bound=Cloud)
POOLS = HOSTS = 64  # a zone taking 10,000 submits/s: its storage in 64 pools, 64 hosts (each row takes 1/64th)
PHASES = ("submit deploy", "run deploy", "poll", "submit destroy", "run destroy")


def zone_inventory(pools: int = POOLS, hosts: int = HOSTS) -> str:
    """The default inventory with its zone's primary storage in `pools` pools and `hosts` hosts like its own: a
    file's path (the caller removes it)."""
    data = inventory.read_inventory()
    data["zones"][0]["storagepools"] = pools
    model = data["hosts"][0]
    data["hosts"] = [dict(model, id=str(2 + n), name=f"host-{2 + n}") for n in range(hosts)]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(data, handle)
    return handle.name


def pairs_of(cloud: Cloud, pairs: int, step: Callable[[str], None]) -> None:
    """Deploy, let the worker run it, poll it 3 times, destroy it (keeping the zone free), let the worker run
    that; `step(name)` is told each step before it runs."""
    for _ in range(pairs):
        step("submit deploy")
        job = cloud.ok(command="deployVirtualMachine", zoneid="1", serviceofferingid="1", templateid="1")
        step("run deploy")
        cloud.run_worker()
        for _ in range(3):
            step("poll")
            cloud.ok(command="queryAsyncJobResult", jobid=job["jobid"])
        step("submit destroy")
        cloud.ok(command="destroyVirtualMachine", id=job["id"], expunge="true")
        step("run destroy")
        cloud.run_worker()


@contextmanager
def zone_cloud(make: Callable[[str], C]) -> Iterator[C]:
    """A cloud of `make` over the grown zone (`zone_inventory`), with the list of its hosts read once, as a
    container reads it once a minute; closed at the end."""
    path = zone_inventory()
    cloud = make(path)
    os.unlink(path)
    try:
        statetable.kept_documents("host")
        yield cloud
    finally:
        cloud.close()


def run(pairs: int) -> tuple[Recorder, int]:
    with zone_cloud(Cloud) as cloud, RECORDER.switched_on():
        pairs_of(cloud, pairs, lambda name: setattr(RECORDER, "phase", name))
    return RECORDER, pairs


class Timed(Cloud):
    """A cloud whose handler calls are timed: the thread's CPU time in the handler less the CPU moto spends
    answering (moto stands in for DynamoDB and SQS and would not run in the Lambda), and the AWS requests each
    call makes by kind. The worker's time is its invocation's, not the harness's receiving and deleting."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.calls: list[tuple[str, float, Counter[str]]] = []
        self.name = "?"

    def timed(self, work: Any) -> Any:
        moto_before, start = MOTO_CPU.spent, time.thread_time()
        with COUNT.counting() as counts:
            out = work()
        ours = time.thread_time() - start - (MOTO_CPU.spent - moto_before)
        self.calls.append((self.name, ours * 1000, Counter(counts)))
        return out

    def call(self, as_: Any = None, **params: str) -> tuple[int, dict[str, Any]]:
        return self.timed(lambda: super(Timed, self).call(as_, **params))  # type: ignore[no-any-return]

    def invoke(self, messages: list[dict[str, Any]], receive_count: str | None = None) -> dict[str, Any]:
        return self.timed(lambda: super(Timed, self).invoke(messages, receive_count))  # type: ignore[no-any-return]


class MotoCpu:
    """The thread CPU time spent inside moto's answer to each request (its botocore `before-send` stub)."""

    def __init__(self) -> None:
        self.spent = 0.0

    def install(self) -> None:
        original = BotocoreStubber.__call__

        def timed(stub: Any, *args: Any, **kwargs: Any) -> Any:
            start = time.thread_time()
            try:
                return original(stub, *args, **kwargs)
            finally:
                self.spent += time.thread_time() - start

        BotocoreStubber.__call__ = timed  # type: ignore[method-assign,assignment]


MOTO_CPU = MotoCpu()
MOTO_CPU.install()
# Lambda gives a function CPU in proportion to its memory: one vCPU at 1,769 MB (AWS Lambda docs)
MEMORY_MB, FULL_VCPU_MB = 512, 1769
# AWS request latency inside a region, assumed (DynamoDB answers in single-digit milliseconds; a transaction
# coordinates its items; SQS sends are slower)
LATENCY_MS = {"dynamodb": 5.0, "dynamodb:TransactWriteItems": 10.0, "sqs": 10.0}


def durations(pairs: int) -> dict[str, dict[str, float]]:
    """Per handler (a submit, a poll, a worker run): the median CPU ms of our code (PynamoDB and botocore
    included) on this machine, the requests it makes, and the Lambda duration that gives at MEMORY_MB: CPU scaled
    by the vCPU share, plus each request's assumed latency."""
    with zone_cloud(Timed) as cloud:
        def step(name: str) -> None:
            cloud.name = name
        pairs_of(cloud, 3, step)  # warm: imports, connections, caches, id blocks
        cloud.calls.clear()
        pairs_of(cloud, pairs, step)
    out = {}
    for name in PHASES:
        calls = [(ms, counts) for n, ms, counts in cloud.calls if n == name]
        cpu = statistics.median(ms for ms, _ in calls)
        requests: Counter[str] = Counter()
        for _, counts in calls:
            requests.update(counts)
        per_call = {k: v / len(calls) for k, v in requests.items()}
        waiting = sum(n * LATENCY_MS.get(k, LATENCY_MS[k.split(":")[0]]) for k, n in per_call.items())
        out[name] = {"cpu_ms": cpu, "requests": sum(per_call.values()), "wait_ms": waiting,
                     "lambda_ms": cpu * FULL_VCPU_MB / MEMORY_MB + waiting}
    return out


# Keys that each belong to one job, VM, volume, address or stream: spread by id, never shared (left out).
OWN = re.compile(r"^(job|vm|volume|lease|head|sshkeypair|tags)#")
# Keys whose traffic is bounded by one resource, not by the system's rate (why, in bench/RESULTS.md): one API
# key's row is checked and read by the requests WAF lets that key make. (A host's row is measured: the zone has
# HOSTS of them and placement reads a sample of two per deploy.)
BOUNDED = {"writes": re.compile(r"^apikey#"), "reads": re.compile(r"^apikey#")}
# Keys a random choice spreads (placement's sample of the zone's hosts): their mean is the partition's load; the
# busiest of a short run is the bench's sampling noise (bench/RESULTS.md)
RANDOM = re.compile(r"^host#")


def hottest(counter: Counter[tuple[str, str]], pairs: int, limit: int, bounded_keys: re.Pattern[str],
            top: int = 2) -> list[dict[str, Any]]:
    """Per table/index, its `top` hottest shared partitions at TARGET submits/s (bounded keys listed apart)."""
    def spread(table: str, partition: str) -> bool:  # a host's own row (not an index's `host#0` shard)
        return "/" not in table and bool(RANDOM.match(partition))

    per_submit = {key: units / (pairs * SUBMITS) for key, units in counter.items() if not spread(*key)}
    for table in {t for t, p in counter if spread(t, p)}:  # placement spreads VMs over hosts at random
        units = [u for (t, p), u in counter.items() if t == table and spread(t, p)]
        per_submit[(table, f"host#… (mean of {HOSTS}; busiest {max(units) * HOSTS / sum(units):.1f}× the mean)")] = \
            sum(units) / HOSTS / (pairs * SUBMITS)
    groups: dict[tuple[str, bool], list[dict[str, Any]]] = {}
    for (table, partition), units in per_submit.items():
        base = "/" not in table
        if base and OWN.match(partition):
            continue
        bounded = base and bool(bounded_keys.match(partition))
        groups.setdefault((table, bounded), []).append(
            {"table": table, "partition": partition, "bounded": bounded, "per_submit": units,
             "per_second": units * TARGET, "of_limit": units * TARGET / limit})
    out = [e for entries in groups.values() for e in sorted(entries, key=lambda e: -e["per_second"])[:top]]
    out += [e for entries in groups.values() for e in entries if e["partition"].startswith("host#…") and e not in out]
    return sorted(out, key=lambda r: (r["bounded"], -r["per_second"]))


def report(recorder: Recorder, pairs: int, timings: Mapping[str, Mapping[str, float]]) -> dict[str, Any]:
    submits = pairs * SUBMITS
    phases = {name: {"wru": recorder.by_phase[(name, "wru")] / pairs / (3 if name == "poll" else 1),
                     "rru": recorder.by_phase[(name, "rru")] / pairs / (3 if name == "poll" else 1)}
              for name in PHASES}
    return {"pairs": pairs, "wru_per_submit": recorder.totals["wru"] / submits,
            "rru_per_submit": recorder.totals["rru"] / submits, "phases": phases, "timings": dict(timings),
            "writes": hottest(recorder.writes, pairs, LIMIT_WCU, BOUNDED["writes"]),
            "reads": hottest(recorder.reads, pairs, LIMIT_RCU, BOUNDED["reads"]),
            "cost": {"deploy": cost(phases, timings, ("submit deploy", "run deploy"), polls=3),
                     "pair": cost(phases, timings, PHASES, polls=3)}}


def cost(phases: Mapping[str, Mapping[str, float]], timings: Mapping[str, Mapping[str, float]],
         steps: Iterable[str], polls: int) -> dict[str, float]:
    """List price per million of a workload: each of `steps` once (a submit or a worker run of a job) and
    `polls` polls, with the DynamoDB units recorded and the Lambda durations measured for each; next to Step
    Functions Standard running each job as three steps (a state transition per step executed, AWS's pricing
    page) with the same API Gateway and Lambdas."""
    steps = list(steps)
    counts = {**{s: 1 for s in steps}, "poll": polls}
    jobs = sum(1 for s in steps if s.startswith("run "))
    api_calls = sum(n for s, n in counts.items() if not s.startswith("run "))
    wru = sum(phases[s]["wru"] * n for s, n in counts.items())
    rru = sum(phases[s]["rru"] * n for s, n in counts.items())
    dynamo = (wru * PRICE["wru"] + rru * PRICE["rru"]) * 1e6
    seconds = sum(timings[s]["lambda_ms"] * n for s, n in counts.items()) / 1000
    lam = (seconds * MEMORY_MB / 1024 * PRICE["lambda_gbs"] + sum(counts.values()) * PRICE["lambda_req"]) * 1e6
    apigw = api_calls * PRICE["apigw"] * 1e6
    sqs = jobs * 3 * PRICE["sqs"] * 1e6  # send, receive, delete per job message
    ours = dynamo + lam + apigw + sqs
    sfn = jobs * 3 * PRICE["sfn_transition"] * 1e6 + lam + apigw
    return {"wru": wru, "rru": rru, "dynamodb": dynamo, "lambda": lam, "apigw": apigw, "sqs": sqs, "total": ours,
            "sfn": sfn, "ratio": ours / sfn}


def text(result: Mapping[str, Any]) -> str:
    def rows(entries: list[dict[str, Any]]) -> list[str]:
        return [f"| `{e['table']}` | `{e['partition']}`{' (bounded)' if e['bounded'] else ''} | "
                f"{e['per_submit']:.2f} | {e['per_second']:,.0f} | {e['of_limit']:.0%} |" for e in entries]

    def costs(name: str, what: str) -> str:
        c = result["cost"][name]
        return (f"| {what} | {c['wru']:.1f} | {c['rru']:.1f} | ${c['dynamodb']:,.2f} | ${c['lambda']:,.2f} | "
                f"${c['apigw']:,.2f} | ${c['sqs']:,.2f} | **${c['total']:,.2f}** | ${c['sfn']:,.2f} | "
                f"**{c['ratio']:.2f}** |")

    timings = result["timings"]
    return "\n".join([
        f"{result['pairs']} deploy+destroy pairs ({result['pairs'] * SUBMITS} submits), each deploy polled 3 times, in "
        f"a zone of {HOSTS} hosts and {POOLS} storage pools; write units per submit {result['wru_per_submit']:.1f} "
        f"(indexes included), read units per submit {result['rru_per_submit']:.1f}. Hottest partition of each "
        f"table and index at {TARGET:,} submits/s:", "",
        "| table / index | partition key | WCU per submit | WCU/s | of 1,000 |", "|---|---|---|---|---|",
        *rows(result["writes"]), "",
        "| table / index | partition key | RCU per submit | RCU/s | of 3,000 |", "|---|---|---|---|---|",
        *rows(result["reads"]), "",
        "| step | write units | read units | our CPU ms (median) | AWS requests | Lambda ms at 512 MB |",
        "|---|---|---|---|---|---|",
        *[f"| {name} | {result['phases'][name]['wru']:.1f} | {result['phases'][name]['rru']:.1f} | "
          f"{timings[name]['cpu_ms']:.1f} | {timings[name]['requests']:.1f} | {timings[name]['lambda_ms']:.0f} |"
          for name in PHASES], "",
        "| per million | write units | read units | DynamoDB | Lambda | API Gateway | SQS | total | Step Functions "
        "Standard | ratio |", "|---|---|---|---|---|---|---|---|---|---|",
        costs("deploy", "deploy jobs, each polled 3 times"),
        costs("pair", "deploy + 3 polls + destroy")])


def main(argv: list[str]) -> int:
    args = [a for a in argv[1:] if not a.startswith("--")]
    pairs = int(args[0]) if args else 100
    timings = durations(max(10, min(pairs, 50)))
    recorder, pairs = run(pairs)
    result = report(recorder, pairs, timings)
    print(json.dumps(result, indent=1) if "--json" in argv else text(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
