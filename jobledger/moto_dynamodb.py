"""moto's DynamoDB backend with a per-request cost that does not grow with the tables (moto 5.2.5 only).

moto 5.2.5 deep-copies every table a TransactWriteItems touches (once per item) to roll back, and answers a
Query by walking and sorting every item of the table, GSI queries included. This subclass rolls back from an
undo record of the touched items, and runs moto's own Query code on a view of the table that holds only the
queried partition (or, for a GSI, the items whose index hash key matches, found in a map kept up to date on
every write). Parsing and answering the wire protocol stay moto's; any other moto version keeps plain moto.
"""
from __future__ import annotations

import copy
import logging
from typing import Any, Callable

import moto
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

from jobledger import moto_expressions, moto_responses
from jobledger.moto_views import IndexMap, Key, ScanOrder, TableView, get_item, hash_attr, place, signature

PINNED_MOTO = "5.2.5"  # the version whose internals this module was read against (requirements-dev.txt)
log = logging.getLogger(__name__)

Touched = list[tuple["FastDynamoDBBackend", str, Key]]
# The items written by the request being served, while the emulator collects them (it serves one DynamoDB
# request at a time): its journal keeps their new versions, which replay far faster than the request.
touched: Touched | None = None
Signature = tuple[tuple[str, str], ...]  # (index name, hash attribute) of each GSI the map was built for


class FastDynamoDBBackend(DynamoDBBackend):
    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.index_maps: dict[str, IndexMap] = {}
        self.scan_orders: dict[str, ScanOrder] = {}  # dropped at every write to the table

    @property
    def _url_module(self) -> Any:  # moto finds a backend's URLs next to its class's module
        return moto_responses.urls

    # Writes: moto's own, then the touched item's GSI entries follow it.
    def put_item(self, table_name: str, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Item:
        try:
            return super().put_item(table_name, item_attrs, *args, **kwargs)
        finally:
            self._refresh(table_name, item_attrs)

    def update_item(self, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Item:
        try:
            return super().update_item(table_name, key, *args, **kwargs)
        finally:
            self._refresh(table_name, key)

    def delete_item(self, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Item | None:
        try:
            return super().delete_item(table_name, key, *args, **kwargs)
        finally:
            self._refresh(table_name, key)

    # PartiQL writes items without the hooks above: the GSI maps are rebuilt when next used.
    def execute_statement(self, *args: Any, **kwargs: Any) -> Any:
        return self._unmapped(super().execute_statement, *args, **kwargs)

    def execute_transaction(self, *args: Any, **kwargs: Any) -> Any:
        return self._unmapped(super().execute_transaction, *args, **kwargs)

    def batch_execute_statement(self, *args: Any, **kwargs: Any) -> Any:
        return self._unmapped(super().batch_execute_statement, *args, **kwargs)

    def _unmapped(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self.index_maps.clear()
        self.scan_orders.clear()
        try:
            return call(*args, **kwargs)
        finally:
            self.index_maps.clear()
            self.scan_orders.clear()

    def transact_write_items(self, transact_items: list[dict[str, Any]]) -> None:
        """moto's transaction, rolled back from the touched items' old versions instead of whole-table copies."""
        if len(transact_items) > 100:
            raise TooManyTransactionsException()
        if any(self._streamed(item) for item in transact_items):
            super().transact_write_items(transact_items)  # stream records must be rolled back too: moto's way
            return
        undo: dict[tuple[str, Key], Item | None] = {}
        errors: list[tuple[str | None, str | None, dict[str, Any] | None]] = []
        for item in transact_items:
            try:
                errors.append(self._transact_one(item, undo))
            except (MultipleTransactionsException, MockValidationException):
                self._roll_back(undo)
                raise
        if any(code is not None for code, _, _ in errors):
            self._roll_back(undo)
            raise TransactionCanceledException(errors)

    def _transact_one(self, item: dict[str, Any],
                      undo: dict[tuple[str, Key], Item | None]) -> tuple[str | None, str | None, Any]:
        """Apply one transact item as moto does; answer its cancellation reason (None, None, None when applied)."""
        if len(item) > 1:
            raise TransactWriteSingleOpException
        original: dict[str, Any] | None = None
        try:
            op_type, op = next(iter(item.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")
            table_name = op["TableName"]
            key = self._op_key(op_type, op)
            table = self.get_table(table_name)
            typed = self.get_keys_value(table, key)
            if (table_name, typed) in undo:  # moto's check_unicity: one operation per item
                raise MultipleTransactionsException()
            current = table.get_item(*typed)
            undo[(table_name, typed)] = copy.deepcopy(current)
            names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            condition = op.get("ConditionExpression")
            if condition is not None and not _condition_holds(condition, names, values, current):
                if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                    original = current.to_json()["Attributes"]
                raise ConditionalCheckFailed(item=original)
            common = dict(condition_expression=condition, expression_attribute_names=names,
                          expression_attribute_values=values)
            if op_type == "Put":
                self.put_item(table_name, op["Item"], **common)
            elif op_type == "Delete":
                self.delete_item(table_name, key, **common)
            elif op_type == "Update":
                self.update_item(table_name, key, update_expression=op["UpdateExpression"], **common)
            return None, None, None
        except (MultipleTransactionsException, MockValidationException):
            raise
        except ConditionalCheckFailed as e:
            return "ConditionalCheckFailed", str(e.message), original
        except Exception as e:  # moto reports any other failure as that item's reason, and so do we
            return type(e).__name__, str(e), original

    def _op_key(self, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
        if op_type != "Put":
            return dict(op["Key"])
        table = self.get_table(op["TableName"])
        attrs = op["Item"]
        return {name: attrs[name] for name in table.table_key_attrs}

    def _roll_back(self, undo: dict[tuple[str, Key], Item | None]) -> None:
        for (table_name, (hash_key, range_key)), old in undo.items():
            table = self.tables[table_name]
            self.scan_orders.pop(table_name, None)
            if old is None:
                table.delete_item(hash_key, range_key)
            elif range_key is not None:
                table.items[hash_key][range_key] = old
            else:
                table.items[hash_key] = old  # type: ignore[assignment]  # moto's own idiom (put_item)
            if table_name in self.index_maps:
                self.index_maps[table_name].refresh((hash_key, range_key))
            if touched is not None:
                touched.append((self, table_name, (hash_key, range_key)))

    def _streamed(self, item: dict[str, Any]) -> bool:
        op: Any = next(iter(item.values()), {})
        table = self.tables.get(op.get("TableName", "")) if isinstance(op, dict) else None
        return table is not None and table.stream_shard is not None

    def _refresh(self, table_name: str, key_attrs: dict[str, Any]) -> None:
        self.scan_orders.pop(table_name, None)
        table = self.tables.get(table_name)
        if table is None:
            return
        try:
            key = self.get_keys_value(table, key_attrs)
        except (KeyError, TypeError, MockValidationException):  # no valid key: moto refused the write
            return
        if touched is not None:
            touched.append((self, table_name, key))
        index_map = self.index_maps.get(table_name)
        if index_map is not None and index_map.table is not table:
            del self.index_maps[table_name]
        elif index_map is not None:
            index_map.refresh(key)

    # Reads: moto's Scan code, run on a view holding the next items of the table in scan order.
    def scan(self, table_name: str, filters: dict[str, Any], limit: int, exclusive_start_key: dict[str, Any],
             filter_expression: str | None, expr_names: dict[str, Any], expr_values: dict[str, Any],
             index_name: str, consistent_read: bool, projection_expression: list[list[str]] | None,
             segments: tuple[None, None] | tuple[int, int]) -> tuple[list[Item], int, dict[str, Any] | None]:
        """moto's `DynamoDBBackend.scan`; a base-table Scan starts where the last page stopped, in an order kept
        between pages, and reads a few more items than the page can hold (as many again until the page is full)."""
        args = (table_name, filters, limit, exclusive_start_key, filter_expression, expr_names, expr_values,
                index_name, consistent_read, projection_expression, segments)
        table = self.get_table(table_name)
        if index_name:
            return super().scan(*args)
        order = self.scan_orders.get(table_name)
        if order is None or order.table is not table:
            order = self.scan_orders[table_name] = ScanOrder(table)
        try:
            start = order.start(exclusive_start_key)
        except (KeyError, TypeError):  # not a key of this table: moto says what is wrong with it
            return super().scan(*args)
        scan_filters = {key: (op, [DynamoType(v) for v in values]) for key, (op, values) in filters.items()}
        condition = get_filter_expression(filter_expression, expr_names, expr_values)
        count = max(2 * (limit or 0), 1024)
        while True:
            found = Table.scan(order.view(start, count), scan_filters, limit,  # type: ignore[arg-type]
                               exclusive_start_key, condition, index_name, consistent_read, projection_expression,
                               segments=segments)
            if found[2] is not None or start + count >= len(order.items):
                return found  # the page filled up (or the table ended) within the view
            count *= 4

    # Reads: moto's Query code, run on a view holding only the items that can match.
    def query(self, table_name: str, hash_key_dict: dict[str, Any] | None, range_comparison: str | None,
              range_value_dicts: list[dict[str, Any]], limit: int, exclusive_start_key: dict[str, Any],
              scan_index_forward: bool, projection_expressions: list[list[str]] | None,
              index_name: str | None = None, consistent_read: bool = False, expr_names: dict[str, str] | None = None,
              expr_values: dict[str, dict[str, str]] | None = None, filter_expression: str | None = None,
              hash_key_conditions: list[tuple[str, dict[str, Any]]] | None = None,
              range_key_conditions: list[tuple[str, str, list[dict[str, Any]]]] | None = None,
              **filter_kwargs: Any) -> tuple[list[Item], int, dict[str, Any] | None]:
        """moto's `DynamoDBBackend.query`, line for line, but asking the view instead of the whole table."""
        table = self.get_table(table_name)
        view = self._view(table, hash_key_dict, index_name, hash_key_conditions)
        return Table.query(
            view or table, DynamoType(hash_key_dict) if hash_key_dict else None, range_comparison,
            [DynamoType(v) for v in range_value_dicts], limit, exclusive_start_key, scan_index_forward,
            projection_expressions, index_name, consistent_read,
            get_filter_expression(filter_expression, expr_names, expr_values),
            hash_key_conditions=[(name, DynamoType(value)) for name, value in (hash_key_conditions or [])],
            range_key_conditions=[(name, comparison, [DynamoType(v) for v in values])
                                  for name, comparison, values in (range_key_conditions or [])],
            **filter_kwargs)

    def _view(self, table: Table, hash_key_dict: dict[str, Any] | None, index_name: str | None,
              conditions: list[tuple[str, dict[str, Any]]] | None) -> Any:
        """The table seen through the items that can match; None: let moto walk the whole table."""
        if index_name is None:
            if not hash_key_dict:
                return None
            hash_key = DynamoType(hash_key_dict)
            partition = table.items.get(hash_key)  # .get: `items` is a defaultdict
            return TableView(table, {} if partition is None else {hash_key: partition})
        gsi = next((i for i in table.global_indexes if i.name == index_name), None)
        attr = hash_attr(gsi) if gsi is not None else None
        wanted = next((DynamoType(v) for name, v in conditions or [] if name == attr), None)
        if attr is None or wanted is None:
            return None
        items: dict[Any, Any] = {}
        for key in self._index_map(table).keys[index_name].get(wanted, {}):
            found = get_item(table, key)
            if found is not None:
                place(items, key, found, table.has_range_key)
        return TableView(table, items)

    def _index_map(self, table: Table) -> IndexMap:
        index_map = self.index_maps.get(table.name)
        if index_map is None or index_map.table is not table or index_map.signature != signature(table):
            index_map = self.index_maps[table.name] = IndexMap(table)  # built once; kept by the write hooks
        return index_map


def _condition_holds(condition: str, names: Any, values: Any, current: Item | None) -> bool:
    return bool(get_filter_expression(condition, names, values).expr(current))


def collect() -> None:
    """Start collecting written keys, if this backend serves DynamoDB (plain moto has no hooks to collect with)."""
    global touched
    touched = [] if dynamodb_backends.backend is FastDynamoDBBackend else None


def collected() -> Touched | None:
    """The (backend, table, key) of every item written since `collect()`; None if nothing collected (plain moto)."""
    global touched
    out, touched = touched, None
    return out


def install_possible() -> bool:
    return bool(moto.__version__ == PINNED_MOTO)


def install() -> bool:
    """Serve DynamoDB with the fast backend from now on (new accounts and regions); False if moto's version is
    not the one this module was read against, in which case plain moto stays, slower but correct."""
    if not install_possible():
        log.warning("moto %s is not %s: the emulator keeps moto's own DynamoDB backend (slower as tables grow)",
                    moto.__version__, PINNED_MOTO)
        return False
    moto_expressions.install(lambda: dynamodb_backends.backend is FastDynamoDBBackend)
    moto_responses.install()
    if dynamodb_backends.backend is not FastDynamoDBBackend:
        dynamodb_backends.backend = FastDynamoDBBackend
        dynamodb_backends.clear()  # backends made before were of moto's class; they are made again on use
    return True
