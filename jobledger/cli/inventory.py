"""`inventory load`: record an inventory file's zones, hosts, offerings, templates and networks (AWS, or the
local stack's emulator) as InventoryLoaded events with their state rows; parts already recorded are skipped."""
from __future__ import annotations

import argparse
from typing import Any, Mapping

from jobledger.cli.target import add_target_arguments, apply_target, operator_actor


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("inventory", help="load the cloud's inventory into the tables")
    actions = parser.add_subparsers(dest="action", required=True)
    load = actions.add_parser("load", help="record an inventory file (default: the documentation's)")
    load.add_argument("--file", default=None, help="inventory JSON (jobledger/inventories/*.json)")
    add_target_arguments(load)
    load.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    apply_target(args)
    from jobledger import bootstrap, inventory
    from chalicelib.aws import eventlog

    wanted = inventory.read_inventory(args.file)
    appended = bootstrap.seed_inventory(wanted, operator_actor("jobledger inventory"))
    if appended:
        print(f"inventory: {appended} InventoryLoaded event(s) recorded")
        return 0
    recorded = {(r["kind"], r["id"]): _bare(r["data"]) for e in eventlog.load_stream(inventory.INVENTORY_STREAM)
                for r in e.data["rows"]}
    if recorded == {(r.kind, r.id): _bare(r.data) for r in inventory.inventory_rows(wanted, "")}:
        print("inventory: already recorded (nothing to do)")
        return 0
    print("inventory: a different inventory is already recorded; changing a recorded inventory is not supported")
    return 1


def _bare(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "created"}
