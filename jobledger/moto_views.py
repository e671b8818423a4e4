"""Views of a moto table that hold only the items a request can touch (moto 5.2.5): a partition, the items a GSI
hash value names (kept in a map that the fast backend updates on every write), or the next items of a Scan
(jobledger/moto_dynamodb.py)."""
from __future__ import annotations

import bisect
from typing import Any

from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import GlobalSecondaryIndex, Table

Key = tuple[DynamoType, DynamoType | None]
Signature = tuple[tuple[str, str], ...]  # (index name, hash attribute) of each GSI the map was built for


class IndexMap:
    """For each GSI of one table: hash value → keys of the items that carry it (a superset is harmless)."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.signature = signature(table)
        self.keys: dict[str, dict[DynamoType, dict[Key, None]]] = {name: {} for name, _ in self.signature}
        self.values: dict[Key, dict[str, DynamoType]] = {}
        for item in table.all_items():
            self.refresh((item.hash_key, item.range_key))

    def refresh(self, key: Key) -> None:
        """Move the item at `key` to the entries its current attributes give (none once it is deleted)."""
        for name, old in self.values.pop(key, {}).items():
            self.keys[name].get(old, {}).pop(key, None)
        item = get_item(self.table, key)
        if item is None:
            return
        now = {name: item.attrs[attr] for name, attr in self.signature if attr in item.attrs}
        for name, value in now.items():
            self.keys[name].setdefault(value, {})[key] = None
        if now:
            self.values[key] = now


def hash_attr(index: GlobalSecondaryIndex) -> str | None:
    return next((k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"), None)


def signature(table: Table) -> Signature:
    return tuple((i.name, attr) for i in table.global_indexes if (attr := hash_attr(i)) is not None)


def get_item(table: Table, key: Key) -> Item | None:
    """The item at `key`, without `Table.get_item`'s side effect of adding an empty partition."""
    partition: Any = table.items.get(key[0])
    if partition is None or key[1] is None:
        return partition  # type: ignore[no-any-return]
    return partition.get(key[1])  # type: ignore[no-any-return]


def place(items: dict[Any, Any], key: Key, item: Item, ranged: bool) -> None:
    if ranged:
        items.setdefault(key[0], {})[key[1]] = item
    else:
        items[key[0]] = item


class TableView:
    """A table whose `items` are only some of its items: moto's Query and `all_items` run on it unchanged; any
    other attribute is the table's. (Not a copy: a copy of a moto model is tracked by moto forever.)"""

    query = Table.query
    all_items = Table.all_items

    def __init__(self, table: Table, items: dict[Any, Any]) -> None:
        self.table = table
        self.items = items

    def __getattr__(self, name: str) -> Any:
        return getattr(self.table, name)


def scan_key(item: Any) -> Any:
    """moto's scan order of the base table (`Table.all_items`)."""
    return (item.hash_key, item.range_key) if item.range_key else item.hash_key


class ScanOrder:
    """A table's items in moto's scan order, kept between the pages of a Scan until the table is written (moto
    sorts every item of the table and walks them from the first at every page: a full Scan is quadratic)."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.items = Table.all_items(table)  # moto's own sort
        self.keys = [scan_key(item) for item in self.items]

    def start(self, exclusive_start_key: dict[str, Any] | None) -> int:
        """The position of the first item after `exclusive_start_key` (an item or not)."""
        if exclusive_start_key is None:
            return 0
        table = self.table
        hash_key = DynamoType(exclusive_start_key[table.hash_key_attr])
        range_key = DynamoType(exclusive_start_key[table.range_key_attr]) if table.range_key_attr else None
        return bisect.bisect_right(self.keys, scan_key(Item(hash_key, range_key, {})))

    def view(self, start: int, count: int) -> TableView:
        items: dict[Any, Any] = {}
        for item in self.items[start:start + count]:
            place(items, (item.hash_key, item.range_key), item, self.table.has_range_key)
        return TableView(self.table, items)
