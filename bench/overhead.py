"""API overhead: a whole request through the API handler (`chalicelib.commands.api.handle`, what the Chalice route
calls) against the bare DynamoDB/SQS requests it needs, both on the same in-process moto, interleaved.
Run: python -m bench.overhead"""
from __future__ import annotations

import itertools
import sys
from functools import partial
from typing import Any, Callable

import boto3

from bench.harness import ADMIN, Cloud
from bench.measure import interleaved, ms, table

ROUNDS = {"query": 300, "submit": 150}


def signed(**params: str) -> list[tuple[str, str]]:
    """A request signed once (no `expires`: the signature stays valid, so the loop measures only the API)."""
    from chalicelib.cloudstack import signing

    pairs = [*params.items(), ("apiKey", ADMIN[0]), ("response", "json")]
    return [*pairs, ("signature", signing.sign(signing.string_to_sign(pairs), ADMIN[1]))]


def through_api(pairs: list[tuple[str, str]]) -> Callable[[], object]:
    from chalicelib.commands import api

    def call() -> None:
        reply = api.handle(api.HttpRequest("GET", pairs))
        assert reply.status == 200, reply.body

    return call


class Bare:
    """The same requests the API makes, made directly with boto3 on raw items."""

    def __init__(self) -> None:
        from chalicelib import settings
        from chalicelib.aws import queue

        s = settings.load()
        self.events, self.state = s.events_table, s.state_table
        self.ddb = boto3.client("dynamodb", region_name=s.region)
        self.sqs, self.url = queue.client(), queue.queue_url()
        self.ids = itertools.count(10_000_000)

    def empty_queue(self) -> None:
        """Receive and delete what the last pair sent (moto allows one PurgeQueue a minute)."""
        while messages := self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get("Messages"):
            self.sqs.delete_message_batch(QueueUrl=self.url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])

    def query_stream(self, jobid: str) -> None:
        self.ddb.query(TableName=self.events, ConsistentRead=True, KeyConditionExpression="#s = :s",
                       ExpressionAttributeNames={"#s": "stream"},
                       ExpressionAttributeValues={":s": {"S": f"job#{jobid}"}})

    def authenticate(self) -> None:
        """GetItem of the key and the rate counter's UpdateItem."""
        self.ddb.get_item(TableName=self.state, Key=_key("apikey", ADMIN[0]), ConsistentRead=True)
        self.ddb.update_item(TableName=self.state, Key=_key("rate", f"{ADMIN[0]}#bare"),
                             UpdateExpression="ADD #v :one", ExpressionAttributeNames={"#v": "value"},
                             ExpressionAttributeValues={":one": {"N": "1"}})

    def submit_writes(self, samples: dict[str, dict[str, Any]]) -> None:
        """One transaction (the JobSubmitted event, the VM row, the job row) and the message."""
        n = str(next(self.ids))
        event = dict(samples["event"], stream={"S": f"job#{n}"})
        vm, job = dict(samples["vm"], id={"S": n}), dict(samples["job"], id={"S": n})
        self.ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": self.events, "Item": event, "ConditionExpression": "attribute_not_exists(seq)"}},
            {"Put": {"TableName": self.state, "Item": vm}}, {"Put": {"TableName": self.state, "Item": job}}])
        self.sqs.send_message(QueueUrl=self.url, MessageBody=f'{{"jobid":"{n}","trace":"bare"}}')

    def submit_reads(self) -> None:
        """The validation BatchGetItem and the two id counters' UpdateItems."""
        keys = [_key("zone", "1"), _key("serviceoffering", "1"), _key("template", "1")]
        self.ddb.batch_get_item(RequestItems={self.state: {"Keys": keys, "ConsistentRead": True}})
        for counter in ("bare-job", "bare-vm"):
            self.ddb.update_item(TableName=self.state, Key=_key("counter", counter), UpdateExpression="ADD #v :one",
                                 ExpressionAttributeNames={"#v": "value"},
                                 ExpressionAttributeValues={":one": {"N": "1"}})


def _key(kind: str, id_: str) -> dict[str, Any]:
    return {"kind": {"S": kind}, "id": {"S": id_}}


def stored_samples(bare: Bare, jobid: str, vmid: str) -> dict[str, dict[str, Any]]:
    """Real items as the API wrote them, so the bare writes carry the same bytes."""
    get = bare.ddb.get_item
    return {"event": get(TableName=bare.events, Key={"stream": {"S": f"job#{jobid}"}, "seq": {"N": "1"}})["Item"],
            "vm": get(TableName=bare.state, Key=_key("vm", vmid))["Item"],
            "job": get(TableName=bare.state, Key=_key("job", jobid))["Item"]}


COMPARISONS = {
    "queryAsyncJobResult vs its Query":
        ("query", lambda bare, job: bare.query_stream(job["jobid"])),
    "queryAsyncJobResult vs its 3 requests (auth, rate, Query)":
        ("query", lambda bare, job: (bare.authenticate(), bare.query_stream(job["jobid"]))),
    "deployVirtualMachine vs its writes + send (1 transaction, 1 SendMessage)":
        ("submit", lambda bare, job: bare.submit_writes(job["samples"])),
    "deployVirtualMachine vs its 8 requests made bare":
        ("submit", lambda bare, job: (bare.authenticate(), bare.submit_reads(), bare.submit_writes(job["samples"]))),
}


def measure() -> list[tuple[str, float, float]]:
    """(comparison, API seconds, bare seconds): medians of interleaved rounds, each comparison on a fresh cloud
    (moto's transactions and queries cost more as its tables grow)."""
    out = []
    for name, (kind, baseline) in COMPARISONS.items():
        cloud = Cloud()
        try:
            job = finished_job(cloud)
            bare = Bare()
            job["samples"] = stored_samples(bare, job["jobid"], job["id"])
            subject = through_api(signed(command="queryAsyncJobResult", jobid=job["jobid"]) if kind == "query" else
                                  signed(command="deployVirtualMachine", zoneid="1", serviceofferingid="1",
                                         templateid="1"))
            # moto's SendMessage slows with queue depth: the queue is emptied after each pair, untimed
            out.append((name, *interleaved(subject, partial(baseline, bare, job), ROUNDS[kind], bare.empty_queue)))
        finally:
            cloud.close()
    return out


def finished_job(cloud: Cloud) -> dict[str, Any]:
    """A deployed VM's job, run to completion by the worker (4 events)."""
    first = cloud.ok(command="deployVirtualMachine", zoneid="1", serviceofferingid="1", templateid="1")
    cloud.run_worker()
    return {"jobid": str(first["jobid"]), "id": str(first["id"])}


def report(results: list[tuple[str, float, float]]) -> str:
    rows = [(name, ms(api), ms(raw), f"{api / raw:.2f}") for name, api, raw in results]
    return ("## API overhead\n\n`chalicelib.commands.api.handle` (signature check, parsing, PynamoDB, fold, "
            "rendering) against the bare boto3 requests, same in-process moto, median of interleaved rounds "
            f"({ROUNDS['query']} for queries, {ROUNDS['submit']} for submits). moto's own cost dominates the "
            "absolute times; the ratio is the figure.\n\n"
            + table(("comparison", "through the API", "bare", "ratio"), rows) + "\n")


def main() -> int:
    print(report(measure()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
