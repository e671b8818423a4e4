"""The emulator's DynamoDB backend answers exactly as plain moto: every case runs against both and the answers,
errors and stored items must be equal (jobledger/moto_dynamodb.py says why the backend exists)."""
from __future__ import annotations

import random
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends

from jobledger import moto_dynamodb, moto_expressions, moto_responses
from jobledger.moto_dynamodb import FastDynamoDBBackend

Case = Callable[[Any], list[Any]]
pytestmark = pytest.mark.skipif(not moto_dynamodb.install_possible(), reason="another moto version: plain moto")
# The emulator's expression cache, on while the fast backend serves (as `moto_dynamodb.install()` sets it up).
moto_expressions.install(lambda: dynamodb_backends.backend is FastDynamoDBBackend)
moto_responses.install()


@contextmanager
def backend(cls: type[DynamoDBBackend]) -> Iterator[Any]:
    before = dynamodb_backends.backend
    with mock_aws():
        dynamodb_backends.backend = cls
        dynamodb_backends.clear()
        try:
            yield boto3.client("dynamodb", region_name="us-east-1")
        finally:
            dynamodb_backends.backend = before
            dynamodb_backends.clear()


def both(case: Case) -> list[Any]:
    with backend(DynamoDBBackend) as plain:
        expected = case(plain)
    with backend(FastDynamoDBBackend) as fast:
        got = case(fast)
        assert isinstance(fast_backend(), FastDynamoDBBackend)
    assert got == expected
    return got


def fast_backend() -> DynamoDBBackend:
    return dynamodb_backends["123456789012"]["us-east-1"]


def call(fn: Callable[..., Any], **kwargs: Any) -> Any:
    """The answer without its request id, or the error as the client sees it."""
    try:
        answer = fn(**kwargs)
    except ClientError as exc:
        return {"error": exc.response["Error"], "reasons": exc.response.get("CancellationReasons")}
    answer.pop("ResponseMetadata", None)
    return answer


def state_table(db: Any) -> None:
    keys = [("kind", "S"), ("id", "S"), ("owner", "S"), ("sort", "S"), ("unfinished", "S")]
    db.create_table(
        TableName="state", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "kind", "KeyType": "HASH"}, {"AttributeName": "id", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": t} for n, t in keys],
        GlobalSecondaryIndexes=[
            {"IndexName": name, "Projection": {"ProjectionType": "ALL"},
             "KeySchema": [{"AttributeName": hash_, "KeyType": "HASH"}, {"AttributeName": "sort", "KeyType": "RANGE"}]}
            for name, hash_ in (("by-owner", "owner"), ("unfinished", "unfinished"))])


def row(kind: str, id_: str, **attrs: str | int) -> dict[str, Any]:
    item: dict[str, Any] = {"kind": {"S": kind}, "id": {"S": id_}}
    for name, value in attrs.items():
        item[name] = {"N": str(value)} if isinstance(value, int) else {"S": value}
    return item


def everything(db: Any) -> list[Any]:
    """The whole table (Scan) and every index partition the cases use, in the engine's order."""
    scan = call(db.scan, TableName="state")
    queries = [call(db.query, TableName="state", IndexName=index, KeyConditionExpression="#h = :v",
                    ExpressionAttributeNames={"#h": attr}, ExpressionAttributeValues={":v": {"S": value}})
               for index, attr, value in (("by-owner", "owner", "a1"), ("by-owner", "owner", "a2"),
                                          ("unfinished", "unfinished", "pending"))]
    return [scan, *queries]


def seeded(db: Any) -> None:
    state_table(db)
    for n in range(12):
        extra: dict[str, str | int] = {"owner": f"a{n % 2 + 1}", "sort": f"job#{n:04d}"}
        if n % 3:
            extra["unfinished"] = "pending"
        db.put_item(TableName="state", Item=row("job", f"{n:04d}", **extra))
    db.put_item(TableName="state", Item=row("host", "2", free=4))
    db.put_item(TableName="state", Item=row("counter", "job", value=11))


def test_a_failed_condition_rolls_the_whole_transaction_back_with_reasons_in_order() -> None:
    def case(db: Any) -> list[Any]:
        seeded(db)
        before = everything(db)
        failed = call(db.transact_write_items, TransactItems=[
            {"Put": {"TableName": "state", "Item": row("job", "0100", owner="a1", sort="job#0100",
                                                       unfinished="pending"),
                     "ConditionExpression": "attribute_not_exists(id)"}},
            {"Update": {"TableName": "state", "Key": {"kind": {"S": "host"}, "id": {"S": "2"}},
                        "UpdateExpression": "SET #f = #f - :n", "ConditionExpression": "#f >= :n",
                        "ExpressionAttributeNames": {"#f": "free"}, "ExpressionAttributeValues": {":n": {"N": "1"}}}},
            {"Update": {"TableName": "state", "Key": {"kind": {"S": "job"}, "id": {"S": "0001"}},
                        "UpdateExpression": "REMOVE unfinished"}},
            {"ConditionCheck": {"TableName": "state", "Key": {"kind": {"S": "counter"}, "id": {"S": "job"}},
                                "ConditionExpression": "#v = :v", "ExpressionAttributeNames": {"#v": "value"},
                                "ExpressionAttributeValues": {":v": {"N": "99"}},
                                "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
            {"Delete": {"TableName": "state", "Key": {"kind": {"S": "job"}, "id": {"S": "0002"}}}}])
        assert failed["error"]["Code"] == "TransactionCanceledException"
        return [failed, everything(db) == before, everything(db)]

    answers = both(case)
    assert [r["Code"] for r in answers[0]["reasons"]] == ["None", "None", "None", "ConditionalCheckFailed", "None"]
    assert answers[1] is True


def test_two_operations_on_one_item_are_refused_and_change_nothing() -> None:
    def case(db: Any) -> list[Any]:
        seeded(db)
        key = {"kind": {"S": "job"}, "id": {"S": "0003"}}
        refused = call(db.transact_write_items, TransactItems=[
            {"Put": {"TableName": "state", "Item": row("job", "0200", owner="a2", sort="job#0200")}},
            {"Update": {"TableName": "state", "Key": key, "UpdateExpression": "SET owner = :o",
                        "ExpressionAttributeValues": {":o": {"S": "a1"}}}},
            {"Delete": {"TableName": "state", "Key": key}}])
        return [refused, everything(db)]

    assert both(case)[0]["error"]["Code"] == "ValidationException"


def test_a_committed_transaction_moves_items_between_index_partitions() -> None:
    def case(db: Any) -> list[Any]:
        seeded(db)
        done = call(db.transact_write_items, TransactItems=[
            {"Put": {"TableName": "state", "Item": row("job", "0300", owner="a2", sort="job#0300",
                                                       unfinished="pending")}},
            {"Update": {"TableName": "state", "Key": {"kind": {"S": "job"}, "id": {"S": "0004"}},
                        "UpdateExpression": "SET owner = :o REMOVE unfinished",
                        "ExpressionAttributeValues": {":o": {"S": "a2"}}}},
            {"Delete": {"TableName": "state", "Key": {"kind": {"S": "job"}, "id": {"S": "0005"}}}}])
        return [done, everything(db)]

    both(case)


def test_query_order_paging_and_filters_match_moto() -> None:
    def case(db: Any) -> list[Any]:
        seeded(db)
        out = []
        for index, attr, value in ((None, "kind", "job"), ("by-owner", "owner", "a1"),
                                   ("unfinished", "unfinished", "pending"), ("by-owner", "owner", "nobody")):
            for forward in (True, False):
                out += pages(db, index, attr, value, forward)
        out.append(call(db.query, TableName="state", KeyConditionExpression="kind = :k AND id BETWEEN :a AND :b",
                        ExpressionAttributeValues={":k": {"S": "job"}, ":a": {"S": "0003"}, ":b": {"S": "0007"}}))
        out.append(call(db.query, TableName="state", IndexName="by-owner",
                        KeyConditionExpression="#o = :o AND begins_with(sort, :p)", FilterExpression="id > :i",
                        ExpressionAttributeNames={"#o": "owner"},
                        ExpressionAttributeValues={":o": {"S": "a2"}, ":p": {"S": "job#00"}, ":i": {"S": "0004"}}))
        out.append(call(db.query, TableName="state", KeyConditionExpression="kind = :k", Select="COUNT",
                        ExpressionAttributeValues={":k": {"S": "job"}}))
        out.append(call(db.query, TableName="state", KeyConditionExpression="kind = :k", ConsistentRead=True,
                        ProjectionExpression="id, #s", ExpressionAttributeNames={"#s": "sort"},
                        ExpressionAttributeValues={":k": {"S": "absent"}}))
        out.append(call(db.query, TableName="state", IndexName="unfinished", ConsistentRead=True,
                        KeyConditionExpression="unfinished = :u", ExpressionAttributeValues={":u": {"S": "pending"}}))
        return out

    both(case)


def pages(db: Any, index: str | None, attr: str, value: str, forward: bool, limit: int = 3) -> list[Any]:
    """Every page of one query, following LastEvaluatedKey."""
    args: dict[str, Any] = {"TableName": "state", "KeyConditionExpression": "#h = :v", "Limit": limit,
                            "ExpressionAttributeNames": {"#h": attr}, "ScanIndexForward": forward,
                            "ExpressionAttributeValues": {":v": {"S": value}}}
    if index:
        args["IndexName"] = index
    out = []
    while True:
        page = call(db.query, **args)
        out.append(page)
        if "LastEvaluatedKey" not in page:
            return out
        args["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def test_a_table_made_again_and_an_index_added_later_are_seen() -> None:
    def case(db: Any) -> list[Any]:
        seeded(db)
        first = everything(db)
        db.delete_table(TableName="state")
        seeded(db)
        db.put_item(TableName="state", Item=row("job", "0500", owner="a1", sort="job#0500"))
        db.update_table(TableName="state", AttributeDefinitions=[{"AttributeName": "zone", "AttributeType": "S"},
                                                                 {"AttributeName": "sort", "AttributeType": "S"}],
                        GlobalSecondaryIndexUpdates=[{"Create": {
                            "IndexName": "by-zone", "Projection": {"ProjectionType": "ALL"},
                            "KeySchema": [{"AttributeName": "zone", "KeyType": "HASH"},
                                          {"AttributeName": "sort", "KeyType": "RANGE"}]}}])
        db.put_item(TableName="state", Item=row("vm", "100", zone="1", sort="vm#100"))
        zone = call(db.query, TableName="state", IndexName="by-zone", KeyConditionExpression="#z = :z",
                    ExpressionAttributeNames={"#z": "zone"}, ExpressionAttributeValues={":z": {"S": "1"}})
        return [first, everything(db), zone]

    both(case)


OPS = ("put", "update", "remove", "delete", "transact", "batch")


def random_step(db: Any, rng: random.Random) -> Any:
    """One random write (conditional or not) on a small key space, so that conditions both hold and fail."""
    n, owner = f"{rng.randrange(16):04d}", rng.choice(["a1", "a2", "a3"])
    key = {"kind": {"S": "job"}, "id": {"S": n}}
    op = rng.choice(OPS)
    if op == "put":
        attrs: dict[str, str | int] = {"owner": owner, "sort": f"job#{n}", "n": rng.randrange(5)}
        if rng.random() < 0.5:
            attrs["unfinished"] = "pending"
        return call(db.put_item, TableName="state", Item=row("job", n, **attrs),
                    **({"ConditionExpression": "attribute_not_exists(id)"} if rng.random() < 0.5 else {}))
    if op == "update":
        return call(db.update_item, TableName="state", Key=key, UpdateExpression="SET owner = :o, sort = :s",
                    ConditionExpression="attribute_exists(id)", ReturnValues="ALL_NEW",
                    ExpressionAttributeValues={":o": {"S": owner}, ":s": {"S": f"job#{n}"}})
    if op == "remove":
        return call(db.update_item, TableName="state", Key=key, UpdateExpression="REMOVE unfinished",
                    ReturnValues="ALL_OLD")
    if op == "delete":
        return call(db.delete_item, TableName="state", Key=key, ReturnValues="ALL_OLD")
    if op == "batch":
        puts = {f"{rng.randrange(16, 24):04d}" for _ in range(3)}
        return call(db.batch_write_item, RequestItems={"state": [
            {"PutRequest": {"Item": row("job", m, owner=owner, sort=f"job#{m}", unfinished="pending")}} for m in puts]})
    other = f"{(int(n) + 1) % 16:04d}"
    return call(db.transact_write_items, TransactItems=[
        {"Put": {"TableName": "state", "Item": row("job", n, owner=owner, sort=f"job#{n}", unfinished="pending"),
                 "ConditionExpression": "attribute_not_exists(id)"}},
        {"Update": {"TableName": "state", "Key": {"kind": {"S": "job"}, "id": {"S": other}},
                    "UpdateExpression": "REMOVE unfinished", "ConditionExpression": "attribute_exists(id)"}}])


def test_random_writes_leave_the_same_table_and_indexes() -> None:
    def case(db: Any) -> list[Any]:
        state_table(db)
        rng, out = random.Random(12), []
        for step in range(240):
            out.append(random_step(db, rng))
            if step % 20 == 19:
                out.append(everything(db))
        return out

    answers = both(case)
    assert any("error" in a for a in answers if isinstance(a, dict))  # some conditions failed along the way


def test_only_the_pinned_moto_version_gets_the_fast_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(moto_dynamodb.moto, "__version__", "9.9.9")
    assert moto_dynamodb.install_possible() is False


def every_type(n: int) -> dict[str, Any]:
    """An item with every kind of attribute value, nested ones included (the answers' serializer, moto_responses)."""
    return {"kind": {"S": "mixed"}, "id": {"S": f"{n:04d}"}, "s": {"S": f"text {n} é"}, "n": {"N": f"{n}.5"},
            "b": {"B": bytes([n, 0, 255])}, "ss": {"SS": ["x", f"y{n}"]}, "ns": {"NS": ["1", str(n + 2)]},
            "bs": {"BS": [b"\x00", bytes([n + 1])]}, "null": {"NULL": True}, "yes": {"BOOL": n % 2 == 0},
            "empty": {"S": ""}, "list": {"L": [{"S": "a"}, {"N": "2"}, {"M": {"deep": {"L": [{"B": b"\x01"}]}}}]},
            "map": {"M": {"inner": {"M": {"flag": {"BOOL": False}, "none": {"NULL": True}}}, "l": {"L": []}}}}


def test_every_attribute_type_is_answered_as_moto_answers_it() -> None:
    def case(db: Any) -> list[Any]:
        state_table(db)
        key = {"kind": {"S": "mixed"}, "id": {"S": "0001"}}
        out = [call(db.put_item, TableName="state", Item=every_type(n), ReturnConsumedCapacity="TOTAL")
               for n in range(1, 4)]
        out.append(call(db.put_item, TableName="state", Item=every_type(1), ReturnValues="ALL_OLD"))
        out.append(call(db.get_item, TableName="state", Key=key, ConsistentRead=True))
        out.append(call(db.get_item, TableName="state", Key=key, ProjectionExpression="#m.inner, b, list[2]",
                        ExpressionAttributeNames={"#m": "map"}))
        out.append(call(db.query, TableName="state", KeyConditionExpression="kind = :k",
                        ExpressionAttributeValues={":k": {"S": "mixed"}}, Limit=2, ReturnConsumedCapacity="INDEXES"))
        out.append(call(db.scan, TableName="state"))
        for values in ("ALL_NEW", "ALL_OLD", "UPDATED_NEW", "UPDATED_OLD", "NONE"):
            out.append(call(db.update_item, TableName="state", Key=key, ReturnValues=values,
                            UpdateExpression="SET n = n + :one, b = :b ADD ss :s REMOVE #null",
                            ExpressionAttributeNames={"#null": "null"},
                            ExpressionAttributeValues={":one": {"N": "1"}, ":b": {"B": b"\xfe"}, ":s": {"SS": ["z"]}}))
        out.append(call(db.transact_get_items, TransactItems=[{"Get": {"TableName": "state", "Key": key}}]))
        out.append(call(db.batch_get_item, RequestItems={"state": {"Keys": [key]}}))
        out.append(call(db.transact_write_items, TransactItems=[
            {"ConditionCheck": {"TableName": "state", "Key": key, "ConditionExpression": "attribute_not_exists(s)",
                                "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}]))
        out.append(call(db.delete_item, TableName="state", Key=key, ReturnValues="ALL_OLD"))
        out.append(call(db.describe_table, TableName="state")["Table"]["KeySchema"])
        return out

    answers = both(case)
    assert answers[4]["Item"]["b"] == {"B": bytes([1, 0, 255])}


COUNT = "SET #v = if_not_exists(#v, :zero) + :n, seen = list_append(if_not_exists(seen, :empty), :l)"
UPDATES = [  # (expression, names, values): each text comes back with other values and names
    (COUNT, {"#v": "value"},
     lambda i: {":zero": {"N": "0"}, ":n": {"N": str(i)}, ":empty": {"L": []}, ":l": {"L": [{"N": str(i)}]}}),
    (COUNT, {"#v": "other"},
     lambda i: {":zero": {"N": "5"}, ":n": {"N": "-1"}, ":empty": {"L": []}, ":l": {"L": [{"S": "x"}]}}),
    ("SET doc.#k = :s, doc.nested.deep = :m REMOVE gone ADD tags :t, hits :one",
     {"#k": "key"}, lambda i: {":s": {"S": f"v{i}"}, ":m": {"M": {"a": {"N": str(i)}}}, ":t": {"SS": [f"t{i}", "u"]},
                                 ":one": {"N": "1"}}),
    ("DELETE tags :t SET gone = :g", None, lambda i: {":t": {"SS": [f"t{i - 1}"]}, ":g": {"BOOL": True}}),
    ("SET doc = :m", None, lambda i: {":m": {"M": {"nested": {"M": {}}, "key": {"S": "k"}}}}),
    ("SET #v = #v - :n", {"#v": "value"}, lambda i: {":n": {"S": "not a number"}}),  # refused at each call
    ("SET #v = = :n", {"#v": "value"}, lambda i: {":n": {"N": "1"}}),  # a syntax error, each time
    ("SET a = :n REMOVE b SET c = :n", None, lambda i: {":n": {"N": str(i)}}),  # two SET clauses, each time
]


def test_update_expressions_give_moto_answers_whatever_the_values_and_names() -> None:
    def case(db: Any) -> list[Any]:
        state_table(db)
        out = []
        for i in range(1, 4):
            for n, (expression, names, values) in enumerate(UPDATES):
                extra: dict[str, Any] = {"ExpressionAttributeNames": names} if names else {}
                key = {"kind": {"S": "counter"}, "id": {"S": str(n % 3)}}
                out.append(call(db.update_item, TableName="state", Key=key, UpdateExpression=expression,
                                ExpressionAttributeValues=values(i), ReturnValues="ALL_NEW", **extra))
                out.append(call(db.transact_write_items, TransactItems=[{"Update": {
                    "TableName": "state", "Key": {"kind": {"S": "txn"}, "id": {"S": str(n % 2)}},
                    "UpdateExpression": expression, "ExpressionAttributeValues": values(i + 1), **extra}}]))
        out.append(everything(db))
        return out

    answers = both(case)
    assert UPDATES[0][0] in moto_expressions._trees  # the fast run parsed through the cache
    assert any("error" in a for a in answers if isinstance(a, dict))


def scan_pages(db: Any, table: str, **kwargs: Any) -> list[Any]:
    pages, start = [], None
    while True:
        page = call(db.scan, TableName=table, **kwargs, **({"ExclusiveStartKey": start} if start else {}))
        pages.append(page)
        start = page.get("LastEvaluatedKey")
        if not start or len(pages) > 200:
            return pages


def test_scan_pages_match_moto_with_limits_filters_segments_and_writes_between_pages() -> None:
    def case(db: Any) -> list[Any]:
        seeded(db)
        db.create_table(TableName="flat", BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
        for n in range(40):
            db.put_item(TableName="flat", Item={"id": {"S": f"{n * 7 % 40:03d}"}, "big": {"S": "x" * 80_000}})
        out: list[Any] = [scan_pages(db, "state"), scan_pages(db, "flat"), scan_pages(db, "flat", Limit=7)]
        for limit in (1, 4, 5):
            out.append(scan_pages(db, "state", Limit=limit, FilterExpression="attribute_exists(unfinished)"))
        out.append(scan_pages(db, "state", Limit=3, Segment=1, TotalSegments=3))
        out.append(scan_pages(db, "state", IndexName="by-owner", Limit=4))
        first = call(db.scan, TableName="state", Limit=5)
        db.delete_item(TableName="state", Key=first["LastEvaluatedKey"])  # the start key is gone
        db.put_item(TableName="state", Item=row("job", "0000a", owner="a1", sort="x"))  # and one comes after it
        out.append(call(db.scan, TableName="state", Limit=5, ExclusiveStartKey=first["LastEvaluatedKey"]))
        out.append(call(db.scan, TableName="state", ExclusiveStartKey={"kind": {"S": "zzz"}, "id": {"S": "0"}}))
        return [first, *out]

    answers = both(case)
    assert len(answers[2]) > 2  # the 1 MB page limit was reached on the flat table
