"""First start: record the inventory as events (with the state rows they explain) unless already recorded."""
from __future__ import annotations

from typing import Any, Mapping

from chalicelib.aws import eventlog
from chalicelib.core import events as ev
from chalicelib.core.errors import ConcurrencyConflict
from jobledger.inventory import INVENTORY_STREAM, inventory_rows

CHUNK = 90  # rows per event: one event and its rows must fit one 100-item transaction


def seed_inventory(inventory: Mapping[str, Any], actor: Mapping[str, str] | None = None) -> int:
    """Append the InventoryLoaded events not yet in the log; answer how many were appended (0: seeded)."""
    rows = inventory_rows(inventory, ev.now_iso())
    chunks = [rows[i:i + CHUNK] for i in range(0, len(rows), CHUNK)]
    history = eventlog.load_stream(INVENTORY_STREAM)
    done = len(history)
    appended = 0
    for seq, chunk in enumerate(chunks, start=1):
        if seq <= done:
            continue
        data = {"part": seq, "parts": len(chunks),
                "rows": [{"kind": r.kind, "id": r.id, "data": dict(r.data)} for r in chunk]}
        [event] = ev.chained(history[-1] if history else None, [
            ev.new_event(INVENTORY_STREAM, seq, ev.INVENTORY_LOADED, data, actor or {"system": "bootstrap"})])
        try:
            eventlog.commit([event], chunk)
        except ConcurrencyConflict:
            return appended  # another process is seeding: it finishes the job
        history.append(event)
        appended += 1
    return appended
