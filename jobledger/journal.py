"""The emulator's write-ahead journal: each DynamoDB write request it applied, one checksummed line, appended in
the order applied and fdatasync'd before its answer leaves (one sync covers every record written so far)."""
from __future__ import annotations

import json
import os
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path


class DataDirUnusable(Exception):
    """The data dir cannot be restored or is in use; the message is one line that names the file."""


@dataclass
class Restored:
    """What a start found in the data dir."""

    items: int = 0  # from the snapshot
    records: int = 0  # replayed from the journal
    events: int = 0  # items of the events table afterwards


class JournalDamaged(Exception):
    """A record that is not the journal's last one does not read back: the journal cannot be trusted."""


@dataclass(frozen=True)
class Record:
    target: str  # X-Amz-Target, e.g. DynamoDB_20120810.TransactWriteItems
    body: str  # the request's JSON body as received
    key: str  # the access key id and region moto chose the account and region by
    region: str

    def encode(self) -> bytes:
        text = json.dumps([self.target, self.key, self.region, self.body], separators=(",", ":"))
        return f"{zlib.crc32(text.encode('utf-8')):08x} {text}\n".encode("utf-8")


def decode(line: bytes) -> Record | None:
    """The record a complete line holds; None if the line is damaged (checksum, JSON or shape)."""
    crc, _, text = line.partition(b" ")
    try:
        if int(crc, 16) != zlib.crc32(text) or len(crc) != 8:
            return None
        target, key, region, body = json.loads(text)
    except ValueError:
        return None
    if not all(isinstance(v, str) for v in (target, key, region, body)):
        return None
    return Record(target, body, key, region)


def read_journal(path: Path, last: bool) -> tuple[list[Record], int]:
    """Every record of a journal file, and how many bytes hold them. A damaged tail (a write cut short by a
    crash: no newline, or bad lines with nothing good after them) of the `last` file is left out; a damaged
    record anywhere else raises JournalDamaged."""
    data = path.read_bytes()
    records: list[Record] = []
    damaged: int | None = None
    valid = start = 0
    while (end := data.find(b"\n", start)) >= 0:
        record = decode(data[start:end])
        if record is None and damaged is None:
            damaged = len(records) + 1
        elif record is not None:
            if damaged is not None:
                raise JournalDamaged(f"{path}: record {damaged} is damaged and records follow it")
            records.append(record)
            valid = end + 1
        start = end + 1
    if not last and valid < len(data):
        raise JournalDamaged(f"{path}: the journal was completed by a newer one but its end is damaged")
    return records, valid


class Journal:
    """An append-only file; `append` is called in the order writes are applied (under the emulator's lock),
    `wait_durable` outside it, so concurrent requests share one fdatasync (group commit)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        sync_directory(path.parent)  # the new file's name is durable before any record in it is acknowledged
        self.written = self.durable = 0  # record numbers, counted across files (see rotate)
        self.since_snapshot = 0  # records (a compaction resets it)
        self.syncing = False
        self.cond = threading.Condition()

    def append(self, record: Record) -> int:
        data = record.encode()
        with self.cond:
            os.write(self.fd, data)  # one write of a whole line: O_APPEND keeps lines whole and in order
            self.written += 1
            self.since_snapshot += 1
            return self.written

    def wait_durable(self, upto: int | None = None) -> None:
        """Return once every record up to `upto` (default: all written so far) is on disk."""
        with self.cond:
            target = self.written if upto is None else upto
            while self.durable < target:
                if self.syncing:
                    self.cond.wait()
                    continue
                self.syncing, covered, fd = True, self.written, self.fd
                self.cond.release()
                try:
                    os.fdatasync(fd)
                finally:
                    self.cond.acquire()
                    self.syncing = False
                    self.durable = max(self.durable, covered)
                    self.cond.notify_all()

    def rotate(self, path: Path) -> None:
        """Continue in a new file: the current one is synced and closed first (called under the emulator's lock)."""
        with self.cond:
            while self.syncing:
                self.cond.wait()
            os.fdatasync(self.fd)
            os.close(self.fd)
            self.durable = self.written
            self.path, self.since_snapshot = path, 0
            self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            sync_directory(path.parent)

    def close(self) -> None:
        with self.cond:
            while self.syncing:
                self.cond.wait()
            os.fdatasync(self.fd)
            os.close(self.fd)


def sync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
