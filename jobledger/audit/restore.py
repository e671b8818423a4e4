"""Export the log as JSON Lines, and import it into empty tables: the events as they were, every state row
rebuilt by replay with each stream's head, id counters set past every id the log used; or rebuild an empty state
table from the events table alone (a new key layout: docs/DEPLOY.md). Secrets (key secrets,
password hashes) never enter the log: they travel in a separate file, and a key secret is restored only if it
matches the digest the log recorded.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence, TextIO

from pynamodb.models import Model

from jobledger.audit import reader, report
from jobledger.audit.heads import with_heads
from jobledger.audit.jsonl import log_lines, read_lines
from jobledger.audit.replay import Rebuilt, counters, replay
from jobledger.audit.table import Row
from chalicelib.aws import statetable
from chalicelib.aws.eventlog import to_record
from chalicelib.aws.models import EventRecord, StateRecord
from chalicelib.core import userdata
from chalicelib.core.events import Event
from chalicelib.core.errors import JobledgerError

Secrets = dict[str, dict[str, str]]  # {"apikeys": {key: secret}, "passwords": {userid: hash}, "userdata": {…}}


class ImportRefused(JobledgerError):
    """The log cannot be imported: it is not intact, or the tables are not empty."""


@dataclass
class Imported:
    events: int = 0
    streams: int = 0
    rows: int = 0
    counters: dict[str, int] = field(default_factory=dict)
    unfinished: list[str] = field(default_factory=list)  # jobs still pending: their messages must be sent again
    keys_without_secret: list[str] = field(default_factory=list)


def export_log(out: TextIO, segments: int = reader.SEGMENTS, progress: reader.Progress | None = None) -> int:
    """Write every event as a line; answer how many."""
    count = 0
    for line in log_lines(reader.read_log(segments, progress)):
        out.write(line + "\n")
        count += 1
    return count


def read_secrets() -> Secrets:
    """Every live key's secret and every user's password hash, from the state table; and the user data rows
    (not in the log either: content-addressed rows, read by a Scan)."""
    out: Secrets = {"apikeys": {}, "passwords": {}, "userdata": {}}
    for row in StateRecord.scan(StateRecord.kind == userdata.KIND, consistent_read=True):
        if row.as_dict().get("userdata"):
            out["userdata"][row.id] = row.as_dict()["userdata"]
    for key in statetable.list_kind("apikey"):
        if key.as_dict().get("secret"):
            out["apikeys"][key.id] = key.as_dict()["secret"]
    for user in statetable.list_kind("user"):
        if user.as_dict().get("password"):
            out["passwords"][user.id] = user.as_dict()["password"]
    return out


def write_secrets_file(path: str | Path, secrets: Secrets) -> None:
    """Readable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(secrets, handle, indent=1, sort_keys=True)


def read_secrets_file(path: str | Path) -> Secrets:
    with open(path, encoding="utf-8") as handle:
        loaded = json.load(handle)
    return {"apikeys": dict(loaded.get("apikeys", {})), "passwords": dict(loaded.get("passwords", {})),
            "userdata": dict(loaded.get("userdata", {}))}


def import_log(lines: Iterable[str], secrets: Secrets | None = None) -> Imported:
    """Refuse a log that is not intact, or tables that are not empty; else write the events and the rows
    replay rebuilds from them, and set the counters."""
    stored = read_lines(lines)
    verified, rebuilt = _replayed(stored)
    if not reader.is_empty():
        raise ImportRefused("the tables are not empty: import writes only into empty tables")
    _write(EventRecord, (to_record(e) for events in stored.values() for e in events))
    return _write_state(stored, verified.events, rebuilt, secrets)


def rebuild_state(secrets: Secrets | None = None, segments: int = reader.SEGMENTS,
                  progress: reader.Progress | None = None) -> Imported:
    """The state table rebuilt from the events table alone (a new, empty state table: a new key layout, or a
    lost table): the log read and checked as an import checks it, the rows replay rebuilds written with each
    stream's head, the counters set. The events are not touched."""
    if not reader.state_is_empty():
        raise ImportRefused("the state table is not empty: the state is rebuilt only into an empty table")
    stored = reader.read_log(segments, progress)
    verified, rebuilt = _replayed(stored)
    return _write_state(stored, verified.events, rebuilt, secrets)


def _replayed(stored: Mapping[str, Sequence[Event]]) -> tuple[Any, Rebuilt]:
    verified = report.verify(stored)
    if verified.problems:
        raise ImportRefused("the log is not intact:\n" + "\n".join(str(p) for p in verified.problems))
    rebuilt = replay(verified.streams)
    if rebuilt.problems:
        raise ImportRefused("replaying the log breaks the store's rules:\n"
                            + "\n".join(str(p) for p in rebuilt.problems))
    return verified, rebuilt


def _write_state(stored: Mapping[str, Sequence[Event]], events: int, rebuilt: Rebuilt,
                 secrets: Secrets | None) -> Imported:
    # each stream's head as the store records it, so that the stack verifies clean
    rows, dropped = _with_secrets(with_heads(rebuilt.table.rows, stored), rebuilt.secret_digests, secrets or {})
    rows.update(_userdata_rows(rebuilt.userdata_digests, (secrets or {}).get("userdata", {})))
    numbers = counters(rebuilt)
    _write(StateRecord, [*(_state_record(k, r) for k, r in rows.items()),
                         *(StateRecord("counter", name, value=value) for name, value in numbers.items())])
    unfinished = sorted((j for j, job in rebuilt.jobs.items() if not job.finished), key=int)
    return Imported(events, len(stored), len(rows), numbers, unfinished, dropped)


def _with_secrets(rows: Mapping[tuple[str, str], Row], digests: Mapping[str, str],
                  secrets: Mapping[str, Mapping[str, str]]) -> tuple[dict[tuple[str, str], Row], list[str]]:
    """Rows with the secrets put back: a key whose secret is missing or does not match the logged digest is
    left out (it could not authenticate anyone), and reported."""
    out, dropped = {}, []
    for (kind, id_), row in rows.items():
        if kind == "apikey":
            secret = secrets.get("apikeys", {}).get(id_)
            if secret is None or hashlib.sha256(secret.encode("utf-8")).hexdigest() != digests.get(id_):
                dropped.append(id_)
                continue
            row = dict(row, data=dict(row["data"], secret=secret))
        elif kind == "user" and id_ in secrets.get("passwords", {}):
            row = dict(row, data=dict(row["data"], password=secrets["passwords"][id_]))
        out[(kind, id_)] = row
    return out, dropped


def _userdata_rows(digests: set[str], given: Mapping[str, str]) -> dict[tuple[str, str], Row]:
    """The user data rows carried over: only bytes that are the digest the log recorded for a VM."""
    return {(userdata.KIND, digest): {"data": {"userdata": encoded}} for digest, encoded in given.items()
            if digest in digests and userdata.row_matches(digest, encoded)}


def _state_record(key: tuple[str, str], row: Row) -> StateRecord:
    return StateRecord(key[0], key[1], **row)


def _write(model: type[Model], records: Iterable[Any]) -> None:
    """BatchWriteItem, 25 items a request; PynamoDB resends what DynamoDB leaves unprocessed."""
    with model.batch_write() as batch:
        for record in records:
            batch.save(record)
