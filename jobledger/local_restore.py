"""What a data dir gives back to the local stack on start (the emulator's journal, or the events.jsonl export of
older versions, imported once), the unfinished jobs' messages sent again, and the export a clean stop leaves."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from jobledger.audit.restore import Imported
    from jobledger.journal import Restored

IMPORT_PENDING = "import.pending"


@dataclass
class Recovered:
    events: int
    unfinished: list[str]  # jobs sent to the queue again (their messages died with the old process)
    source: str  # what they were read from


class RestoringEmulator(Protocol):
    """What `recover` needs of an emulator, whether it runs in this process (jobledger.emulator) or in its own
    (jobledger.emulator_process)."""

    @property
    def restored(self) -> Restored | None: ...

    def compact(self) -> None: ...


def begin_import(data_dir: str) -> bool:
    """Before the emulator opens the data dir: will DIR/events.jsonl be imported? Yes when the dir has no journal
    yet, or when an import was cut short (nothing is served during one, so its partial journal is dropped)."""
    path = Path(data_dir)
    marker = path / IMPORT_PENDING
    if marker.exists():
        for partial in [path / "snapshot.jsonl", *path.glob("journal-*.log")]:
            partial.unlink(missing_ok=True)
        return True
    if (path / "snapshot.jsonl").exists() or any(path.glob("journal-*.log")) or not (path / "events.jsonl").exists():
        return False
    os.close(os.open(marker, os.O_WRONLY | os.O_CREAT, 0o600))
    return True


def recover(data_dir: str, emulator: RestoringEmulator | None, fresh_import: bool = False) -> Recovered | None:
    """After the emulator restored its journal: send the unfinished jobs' messages again. Or import
    DIR/events.jsonl (a data dir of an older version, or an emulator started elsewhere, which keeps no journal)."""
    found = emulator.restored if emulator is not None else None
    if found is not None and not fresh_import:
        if not (found.items or found.records):
            return None
        detail = f"snapshot of {found.items:,} items + {found.records:,} journal records"
        if rebuild_old_layout():
            detail += f"; state rebuilt from the log into {OLD_STATE_TABLE}'s successor"
            if emulator is not None:
                emulator.compact()
        return Recovered(found.events, requeue_unfinished(), f"{data_dir} ({detail})")
    imported = restore_log(data_dir)
    if emulator is not None:
        emulator.compact()  # the import is in a snapshot before it stops being pending
        (Path(data_dir) / IMPORT_PENDING).unlink(missing_ok=True)
    if imported is None:
        return None
    return Recovered(imported.events, imported.unfinished, f"{data_dir}/events.jsonl")


OLD_STATE_TABLE = "jobledger-state"  # the state table of the first key layout ((kind, id) keys)


def rebuild_old_layout() -> bool:
    """A data dir written before the state table's key redesign restores the events and the old state table,
    and leaves the current one empty: rebuild the current one from the log, with the secrets (key secrets,
    password hashes, user data) read from the old table, as an operator migrates a deployed stack
    (docs/DEPLOY.md). The old table stays in the data dir, unused. False when there is nothing to rebuild."""
    import boto3

    from chalicelib import settings
    from chalicelib.aws import models
    from jobledger.audit import reader, restore

    models.create_tables()
    config = settings.load()
    if config.state_table == OLD_STATE_TABLE or not reader.state_is_empty():
        return False
    client = boto3.client("dynamodb", region_name=config.region)
    if OLD_STATE_TABLE not in client.list_tables().get("TableNames", []):
        return False
    secrets: restore.Secrets = {"apikeys": {}, "passwords": {}, "userdata": {}}
    for page in client.get_paginator("scan").paginate(TableName=OLD_STATE_TABLE, ConsistentRead=True):
        for item in page.get("Items", []):
            kind, id_ = item.get("kind", {}).get("S"), item.get("id", {}).get("S")
            data = json.loads(item["data"]["S"]) if "S" in item.get("data", {}) else {}
            if kind == "apikey" and data.get("secret"):
                secrets["apikeys"][str(id_)] = str(data["secret"])
            elif kind == "user" and data.get("password"):
                secrets["passwords"][str(id_)] = str(data["password"])
            elif kind == "userdata" and data.get("userdata"):
                secrets["userdata"][str(id_)] = str(data["userdata"])
    restore.rebuild_state(secrets)
    return True


def requeue_unfinished() -> list[str]:
    """Send every unfinished job's message again, from the sweeper's sparse index (its cost follows the
    unfinished jobs, not the log). The messages died with the old process; the stream decides what to do."""
    from chalicelib.aws import models, queue, statetable

    models.create_tables()
    queue.create_queues()
    jobids = [row.id for row in statetable.unfinished_jobs()]
    for jobid in jobids:
        queue.send_job(jobid)
    return jobids


def restore_log(data_dir: str) -> Imported | None:
    """Import DIR/events.jsonl (with DIR/secrets.json) into the fresh tables, and send again the messages of the
    jobs it shows unfinished (they were lost with the old queue); None when there is no log yet."""
    from jobledger.audit import restore
    from chalicelib.aws import models, queue

    models.create_tables()
    queue.create_queues()
    log_path, secrets_path = Path(data_dir) / "events.jsonl", Path(data_dir) / "secrets.json"
    if not log_path.exists():
        return None
    secrets = restore.read_secrets_file(secrets_path) if secrets_path.exists() else None
    with open(log_path, encoding="utf-8") as lines:
        imported = restore.import_log(lines, secrets)
    for jobid in imported.unfinished:
        queue.send_job(jobid)
    return imported


def save_log(data_dir: str) -> None:
    """Export the log to DIR/events.jsonl and the secrets to DIR/secrets.json, each replaced whole. A readable
    copy for people and tools; with a journal in DIR, a start restores from the journal, not from this export."""
    from jobledger.audit import restore

    os.makedirs(data_dir, mode=0o700, exist_ok=True)
    log_path, secrets_path = Path(data_dir) / "events.jsonl", Path(data_dir) / "secrets.json"
    with open(os.open(f"{log_path}.tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as out:
        restore.export_log(out)
    restore.write_secrets_file(f"{secrets_path}.tmp", restore.read_secrets())
    os.replace(f"{secrets_path}.tmp", secrets_path)
    os.replace(f"{log_path}.tmp", log_path)
