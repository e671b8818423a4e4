"""The emulator's data dir: a snapshot of every DynamoDB table and item, and the journals of the writes applied
since (the new versions of the items a request wrote, or the request itself). A start loads the snapshot and
replays the journals; a new snapshot is written once they hold COMPACT_AFTER records, and on a clean stop."""
from __future__ import annotations

import fcntl
import io
import json
import os
import re
import sys
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item

from jobledger.journal import (DataDirUnusable, Journal, JournalDamaged, Record, Restored, read_journal,
                              sync_directory)
from jobledger.moto_dynamodb import Touched
from jobledger.moto_views import get_item, place

SNAPSHOT = "snapshot.jsonl"
COMPACT_AFTER = 20_000  # journal records; a restart replays at most this many (bench/restart.py measures it)
READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems", "DescribeTable", "ListTables",
                   "DescribeTimeToLive", "ListTagsOfResource", "DescribeContinuousBackups", "DescribeEndpoints",
                   "DescribeLimits", "ListBackups", "DescribeBackup", "ListExports", "DescribeExport",
                   "ListImports", "DescribeImport", "GetResourcePolicy", "ListGlobalTables", "DescribeGlobalTable"})
IMAGES = "jobledger.ItemImages"  # a record of the new versions of the items a request wrote (see `images`)
IMAGED = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
ITEM_WRITES = frozenset({IMAGES, "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems",
                         "ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"})
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/]+/([^/]+)/")
__all__ = ["DataDir", "DataDirUnusable", "Restored", "images", "apply_images", "load_item", "call"]
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class DataDir:
    def __init__(self, path: str | Path, app: WsgiApp) -> None:
        self.path = Path(path)
        self.app = app  # moto's own WSGI app: replayed requests take the path live ones took, unjournaled
        self.schema: list[Record] = []  # every table-level request so far, in order (they rebuild the tables)
        self.generation = 0
        self.journal: Journal | None = None
        self.lock_fd: int | None = None

    def restore(self, events_table: str) -> Restored:
        """Load the snapshot and replay the journals after it into the (fresh) emulator; then compact."""
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._lock()
        restored, snapshot = Restored(), self.path / SNAPSHOT
        if snapshot.exists():
            self.generation, restored.items = self._load_snapshot(snapshot)
        journals = sorted((g, p) for p in self.path.glob("journal-*.log") if (g := _generation(p)) is not None)
        newer = [(g, p) for g, p in journals if g >= self.generation]
        for _, path in newer:
            try:
                records, valid = read_journal(path, last=path == newer[-1][1])
            except JournalDamaged as exc:
                raise DataDirUnusable(str(exc)) from exc
            for record in records:
                self._replay(record, path.name)
                self._remember(record)
            restored.records += len(records)
            if valid < path.stat().st_size:
                os.truncate(path, valid)  # a torn tail, never acknowledged: gone before a newer journal follows
        # No snapshot now (it would cost as much as the restore): a new journal follows the ones replayed.
        self.generation = max([self.generation, *(g for g, _ in journals)]) + 1
        self.journal = Journal(self._journal_path(self.generation))
        self.journal.since_snapshot = restored.records
        restored.events = sum(len(t) for t, _ in _tables() if t.name == events_table)
        return restored

    def record(self, environ: dict[str, Any], body: bytes, written: Touched | None) -> Record | None:
        """The journal record of a DynamoDB request moto answered 200, or None for a read: the new versions of
        the items it `written` when they are known, else the request itself (replayed through moto)."""
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        action = target.partition(".")[2]
        if action in READS:
            return None
        if written is not None and action in IMAGED:
            return Record(IMAGES, json.dumps(images(written), separators=(",", ":")), "", "")
        found = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
        key, region = found.groups() if found else ("jobledger", "us-east-1")
        return Record(target, body.decode("utf-8"), key, region)

    def append(self, record: Record) -> int:
        """Journal an applied write (under the emulator's lock); compact when the journal is long."""
        assert self.journal is not None, "restore() first"
        number = self.journal.append(record)
        self._remember(record)
        if self.journal.since_snapshot >= COMPACT_AFTER:
            self.compact()
        return number

    def compact(self) -> None:
        """Snapshot every table now (under the emulator's lock, or before serving) and start a new journal.
        Crash-safe order: the new journal exists before the snapshot names it; older journals go last."""
        assert self.journal is not None
        self.generation += 1
        self.journal.rotate(self._journal_path(self.generation))
        tmp = self.path / f"{SNAPSHOT}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(json.dumps({"generation": self.generation, "schema": [_plain(r) for r in self.schema]}) + "\n")
            for line in _item_lines():
                out.write(line)
            out.flush()
            os.fdatasync(out.fileno())
        os.replace(tmp, self.path / SNAPSHOT)
        sync_directory(self.path)
        for old in self.path.glob("journal-*.log"):
            if (_generation(old) or 0) < self.generation:
                old.unlink()

    def close(self) -> None:
        if self.journal is not None:
            self.compact()
            self.journal.close()
            self.journal = None
        if self.lock_fd is not None:
            os.close(self.lock_fd)  # releases the lock
            self.lock_fd = None

    def _lock(self) -> None:
        """One emulator per data dir: a second one would interleave its journal with ours."""
        path = self.path / "lock"
        self.lock_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self.lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            os.close(self.lock_fd)
            self.lock_fd = None
            raise DataDirUnusable(f"{self.path} is in use by another running stack ({path} is locked)") from exc

    def _remember(self, record: Record) -> None:
        if record.target.partition(".")[2] not in ITEM_WRITES:
            self.schema.append(record)

    def _load_snapshot(self, path: Path) -> tuple[int, int]:
        count = 0
        with open(path, encoding="utf-8") as lines:
            try:
                header = json.loads(next(lines))
                for plain in header["schema"]:
                    record = Record(**plain)
                    self._replay(record, path.name)
                    self.schema.append(record)
                for line in lines:
                    item = json.loads(line)
                    load_item(item["a"], item["r"], item["t"], item["i"])
                    count += 1
            except (ValueError, KeyError, TypeError, StopIteration) as exc:  # ValueError: JSON, moto's validation
                raise DataDirUnusable(f"{path}: cannot be read ({type(exc).__name__}: {exc})"[:300]) from exc
        return int(header["generation"]), count

    def _replay(self, record: Record, where: str) -> None:
        if record.target == IMAGES:
            apply_images(json.loads(record.body))
            return
        status, body = call(self.app, record)
        if not status.startswith("200"):
            raise DataDirUnusable(f"{self.path / where}: {record.target} was refused on replay ({status}: "
                                 f"{body[:160]!r})")

    def _journal_path(self, generation: int) -> Path:
        return self.path / f"journal-{generation:06d}.log"


def images(written: Touched) -> list[list[Any]]:
    """[account, region, table, key, item or None (deleted)] of each written item, as it is now."""
    out = []
    for backend, table_name, key in dict.fromkeys((b, t, k) for b, t, k in written):
        table = backend.tables[table_name]
        item = get_item(table, key)
        key_json = {table.hash_key_attr: key[0].to_json()}
        if key[1] is not None and table.range_key_attr:
            key_json[table.range_key_attr] = key[1].to_json()
        out.append([backend.account_id, backend.region_name, table_name, key_json,
                    item.to_json()["Attributes"] if item is not None else None])
    return out


def apply_images(entries: list[list[Any]]) -> None:
    for account, region, table_name, key, item in entries:
        if item is None:
            dynamodb_backends[account][region].delete_item(table_name, key)
        else:
            load_item(account, region, table_name, item)


def load_item(account: str, region: str, table_name: str, attrs: dict[str, Any]) -> None:
    """Store an item moto had stored before, as moto stores it, without moto's put_item checks: they passed
    once, and they cost 6 times the rest (moto re-sums the item's size at every attribute)."""
    backend = dynamodb_backends[account][region]
    table = backend.get_table(table_name)
    hash_key = DynamoType(attrs[table.hash_key_attr])
    range_key = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
    item = Item(hash_key, range_key, {})
    dict.update(item.attrs, {name: DynamoType(value) for name, value in attrs.items()})
    place(table.items, (hash_key, range_key), item, table.has_range_key)
    getattr(backend, "index_maps", {}).pop(table_name, None)  # the fast backend's GSI map: rebuilt when used
    getattr(backend, "scan_orders", {}).pop(table_name, None)  # and its Scan order


def call(app: WsgiApp, record: Record) -> tuple[str, bytes]:
    """Send one recorded request to moto's WSGI app in process; answer its status line and body."""
    body = record.body.encode("utf-8")
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "QUERY_STRING": "", "SERVER_NAME": "localhost",
               "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "localhost",
               "CONTENT_TYPE": "application/x-amz-json-1.0", "CONTENT_LENGTH": str(len(body)),
               "HTTP_X_AMZ_TARGET": record.target, "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
               "wsgi.url_scheme": "http", "wsgi.version": (1, 0), "wsgi.multithread": False,
               "wsgi.multiprocess": False, "wsgi.run_once": False,
               "HTTP_AUTHORIZATION": f"AWS4-HMAC-SHA256 Credential={record.key}/20000101/{record.region}/dynamodb/"
                                     "aws4_request, SignedHeaders=host, Signature=0"}
    status: list[str] = []
    out = b"".join(app(environ, lambda s, _h, _e=None: status.append(s)))
    return status[0], out


def _tables() -> Iterator[tuple[Any, tuple[str, str]]]:
    for account, regions in list(dynamodb_backends.items()):
        for region, backend in list(regions.items()):
            for table in list(backend.tables.values()):
                yield table, (account, region)


def _item_lines() -> Iterator[str]:
    for table, (account, region) in _tables():
        for partition in table.items.values():
            for item in (partition.values() if table.range_key_attr else [partition]):
                attrs = item.to_json()["Attributes"]
                yield json.dumps({"a": account, "r": region, "t": table.name, "i": attrs}) + "\n"


def _plain(record: Record) -> dict[str, str]:
    return {"target": record.target, "body": record.body, "key": record.key, "region": record.region}


def _generation(path: Path) -> int | None:
    digits = path.stem.partition("-")[2]
    return int(digits) if digits.isdigit() else None
