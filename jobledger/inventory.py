"""The cloud's inventory as data: zones, hosts, offerings, templates, networks. Pure.

Loaded from a JSON file (`inventories/default.json` reproduces the documentation's values); loading it is
an `InventoryLoaded` event whose effects are the state rows, so the inventory is part of the log.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from chalicelib.core import effects as fx

DEFAULT_PATH = Path(__file__).parent / "inventories" / "default.json"
KINDS = ("zones", "hosts", "templates", "serviceofferings", "diskofferings", "networks")
# state-table kind of each inventory section
ROW_KIND = {"zones": "zone", "hosts": "host", "templates": "template", "serviceofferings": "serviceoffering",
            "diskofferings": "diskoffering", "networks": "network"}
INVENTORY_STREAM = "inventory"


class InvalidInventory(ValueError):
    pass


def read_inventory(path: str | Path | None = None) -> dict[str, Any]:
    with open(path or DEFAULT_PATH, encoding="utf-8") as handle:
        inventory = json.load(handle)
    check_inventory(inventory)
    return inventory


def check_inventory(inventory: Mapping[str, Any]) -> None:
    """Every section present, ids unique, every reference to a zone resolves."""
    zones = {z["id"] for z in inventory.get("zones", [])}
    for kind in KINDS:
        items = inventory.get(kind)
        if not isinstance(items, list):
            raise InvalidInventory(f"inventory section {kind} missing")
        ids = [str(item["id"]) for item in items]
        if len(ids) != len(set(ids)):
            raise InvalidInventory(f"duplicate id in {kind}")
        for item in items:
            if "zoneid" in item and item["zoneid"] not in zones:
                raise InvalidInventory(f"{kind} {item['id']} names unknown zone {item['zoneid']}")


def host_capacity(host: Mapping[str, Any]) -> tuple[int, int]:
    """Total CPU in MHz and memory in MB of a host."""
    return int(host["cpunumber"]) * int(host["cpuspeed"]), int(host["memory"])


def inventory_rows(inventory: Mapping[str, Any], created: str) -> list[fx.PutState]:
    """The state rows an InventoryLoaded event explains; hosts start with all capacity free."""
    rows = []
    for kind in KINDS:
        for item in inventory[kind]:
            cpu, memory = host_capacity(item) if kind == "hosts" else (None, None)
            data = {"created": created, **item, "id": str(item["id"])}
            rows.append(fx.PutState(ROW_KIND[kind], str(item["id"]), data, cpu, memory))
    return rows
