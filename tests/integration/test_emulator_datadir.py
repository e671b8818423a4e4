"""The emulator's data dir: what it acknowledged comes back after a crash (no clean stop), a torn last record is
skipped, damage anywhere else refuses to start with one line, compaction loses nothing, one stack per dir."""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any, Iterator

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.core.base_backend import BackendDict
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends

from jobledger import datadir, moto_dynamodb
from jobledger.datadir import DataDirUnusable
from jobledger.emulator import Emulator
from jobledger.journal import JournalDamaged, Record, read_journal


@pytest.fixture(autouse=True)
def fresh_moto() -> Iterator[None]:
    BackendDict.reset()  # the emulator serves moto's process-wide backends: start and end with none
    yield
    BackendDict.reset()


def crash(emulator: Emulator) -> None:
    """Stop serving as a killed process would: no last snapshot, the files left as they are."""
    emulator.server.shutdown()
    emulator.server.server_close()
    assert emulator.data is not None and emulator.data.journal is not None and emulator.data.lock_fd is not None
    os.close(emulator.data.journal.fd)
    os.close(emulator.data.lock_fd)
    BackendDict.reset()  # the process is gone, and its memory with it


def client(emulator: Emulator) -> Any:
    return boto3.client("dynamodb", endpoint_url=emulator.url, region_name="us-east-1")


def table_with(db: Any, count: int) -> None:
    db.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                    KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}, {"AttributeName": "n", "KeyType": "RANGE"}],
                    AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"},
                                          {"AttributeName": "n", "AttributeType": "N"}])
    for n in range(count):
        db.put_item(TableName="t", Item={"k": {"S": "job"}, "n": {"N": str(n)}, "tags": {"SS": ["a", "b"]}})
    db.update_item(TableName="t", Key={"k": {"S": "counter"}, "n": {"N": "0"}},
                   UpdateExpression="ADD v :one", ExpressionAttributeValues={":one": {"N": "1"}})
    db.transact_write_items(TransactItems=[
        {"Delete": {"TableName": "t", "Key": {"k": {"S": "job"}, "n": {"N": "0"}}}},
        {"Update": {"TableName": "t", "Key": {"k": {"S": "counter"}, "n": {"N": "0"}},
                    "UpdateExpression": "ADD v :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}}])


def items(db: Any) -> list[dict[str, Any]]:
    return sorted(db.scan(TableName="t")["Items"], key=repr)


def test_every_acknowledged_write_survives_a_crash(tmp_path: Path) -> None:
    first = Emulator(data_dir=tmp_path).start()
    table_with(client(first), 5)
    before = items(client(first))
    crash(first)
    second = Emulator(data_dir=tmp_path).start()
    try:
        assert second.restored is not None and second.restored.records == 8 and items(client(second)) == before
        assert {"k": {"S": "counter"}, "n": {"N": "0"}, "v": {"N": "2"}} in before
    finally:
        second.stop()
        BackendDict.reset()
    third = Emulator(data_dir=tmp_path).start()  # after a clean stop: from the snapshot alone
    try:
        assert third.restored is not None and (third.restored.items, third.restored.records) == (5, 0)
        assert items(client(third)) == before
    finally:
        third.stop()
    for path in tmp_path.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o700


def test_a_torn_last_record_is_skipped(tmp_path: Path) -> None:
    first = Emulator(data_dir=tmp_path).start()
    table_with(client(first), 3)
    before = items(client(first))
    journal = first.data.journal.path if first.data and first.data.journal else None
    crash(first)
    assert journal is not None
    whole = Record("DynamoDB_20120810.PutItem", '{"TableName": "t", "Item": {"k": {"S": "late"}, "n": {"N": "1"}}}',
                   "testing", "us-east-1").encode()
    with open(journal, "ab") as out:
        out.write(whole[: len(whole) // 2])  # the write a crash cut short: never acknowledged
    second = Emulator(data_dir=tmp_path).start()
    try:
        assert items(client(second)) == before
        assert journal.read_bytes().endswith(b"\n")  # the torn record is cut off: newer journals follow it
    finally:
        second.stop()


def test_a_damaged_record_with_records_after_it_refuses_to_start(tmp_path: Path) -> None:
    first = Emulator(data_dir=tmp_path).start()
    table_with(client(first), 3)
    journal = first.data.journal.path if first.data and first.data.journal else None
    crash(first)
    assert journal is not None
    lines = journal.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b"job", b"jab")
    journal.write_bytes(b"\n".join(lines))
    with pytest.raises(DataDirUnusable) as refused:
        Emulator(data_dir=tmp_path).start()
    assert str(refused.value) == f"{journal}: record 3 is damaged and records follow it"


def test_reading_a_journal_tells_a_torn_tail_from_damage(tmp_path: Path) -> None:
    good = [Record("DynamoDB_20120810.PutItem", "{}", "k", "r").encode() for _ in range(3)]
    path = tmp_path / "journal-000001.log"
    path.write_bytes(b"".join(good) + b"\x00\x00\x00\n" + b"0000")
    records, valid = read_journal(path, last=True)
    assert len(records) == 3 and valid == len(b"".join(good))
    with pytest.raises(JournalDamaged):
        read_journal(path, last=False)  # an older journal was synced whole when the next one began
    path.write_bytes(good[0] + b"garbage\n" + good[1])
    with pytest.raises(JournalDamaged):
        read_journal(path, last=True)


def test_compaction_bounds_the_journal_and_loses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(datadir, "COMPACT_AFTER", 4)
    first = Emulator(data_dir=tmp_path).start()
    table_with(client(first), 10)
    before = items(client(first))
    assert first.data is not None and first.data.journal is not None and first.data.journal.since_snapshot < 4
    assert len(list(tmp_path.glob("journal-*.log"))) == 1
    crash(first)
    second = Emulator(data_dir=tmp_path).start()
    try:
        assert items(client(second)) == before
    finally:
        second.stop()


def test_a_crash_while_compacting_loses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = Emulator(data_dir=tmp_path).start()
    table_with(client(first), 4)
    before = items(client(first))

    def crashed(*_args: Any) -> None:
        raise OSError("killed between the new journal and the new snapshot")

    monkeypatch.setattr(datadir.os, "replace", crashed)
    monkeypatch.setattr(datadir, "COMPACT_AFTER", 1)
    db = boto3.client("dynamodb", endpoint_url=first.url, region_name="us-east-1",
                      config=Config(retries={"max_attempts": 1}))
    with pytest.raises(ClientError, match="InternalServerError"):  # applied, not journaled: never acknowledged
        db.put_item(TableName="t", Item={"k": {"S": "lost"}, "n": {"N": "1"}})
    assert "cannot be written" in first.gate.broken
    crash(first)
    monkeypatch.undo()
    second = Emulator(data_dir=tmp_path).start()
    try:
        after = items(client(second))
        assert [i for i in after if i["k"]["S"] != "lost"] == before
    finally:
        second.stop()


def test_one_stack_per_data_dir(tmp_path: Path) -> None:
    first = Emulator(data_dir=tmp_path).start()
    try:
        with pytest.raises(DataDirUnusable, match="is in use by another running stack"):
            Emulator(data_dir=tmp_path).start()
    finally:
        first.stop()


def test_writes_are_journaled_as_item_versions_or_as_requests_under_plain_moto(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = Emulator(data_dir=tmp_path / "fast").start()
    table_with(client(first), 2)
    assert first.data is not None and first.data.journal is not None
    targets = [r.target for r in read_journal(first.data.journal.path, last=True)[0]]
    assert targets == ["DynamoDB_20120810.CreateTable", *[datadir.IMAGES] * 4]
    first.stop()
    BackendDict.reset()
    monkeypatch.setattr(moto_dynamodb, "install_possible", lambda: False)
    monkeypatch.setattr(dynamodb_backends, "backend", DynamoDBBackend)
    plain = Emulator(data_dir=tmp_path / "plain").start()
    table_with(client(plain), 2)
    before = items(client(plain))
    assert plain.data is not None and plain.data.journal is not None
    assert "DynamoDB_20120810.TransactWriteItems" in [r.target for r in read_journal(plain.data.journal.path, True)[0]]
    crash(plain)
    again = Emulator(data_dir=tmp_path / "plain").start()
    try:
        assert items(client(again)) == before
    finally:
        again.stop()
