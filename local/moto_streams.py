"""Moto difference: a DynamoDB transaction that begins deep-copies every table it names (all their
items, whatever it writes), and one that fails restores those copies, with them a copy of each
table's stream shard: the shard iterators already handed out (a stream poller's) keep pointing at
the replaced shard and never see a later record, and the copies make each transaction cost as
much as its tables hold. On AWS a failed transaction writes nothing and leaves the stream as it
was. Here a transaction copies only the items it names, and one that fails puts those back and
drops the stream records it added: the live tables and shards stay, pollers go on reading them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import wraps
from types import SimpleNamespace
from typing import Any

from moto.dynamodb import models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

Before = tuple[Table, DynamoType, DynamoType | None, Item | None]


def _deepcopy_but_tables(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """The backend's deep copy, except that a table is kept as it is (its items are undone one
    by one, below)."""
    return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def _named_items(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[Before]:
    """Each item the transaction names, as it is before (a copy: moto updates items in place);
    a request moto will refuse as malformed is skipped (it writes nothing)."""
    before = []
    for entry in transact_items:
        for request in entry.values():
            table = backend.tables.get(request.get("TableName"))
            key = request.get("Key") or request.get("Item")
            if table is None or not isinstance(key, dict) or table.hash_key_attr not in key:
                continue
            hash_key = DynamoType(key[table.hash_key_attr])
            range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
            if table.range_key_attr and table.range_key_attr not in key:
                continue
            found = table.get_item(hash_key, range_key)
            before.append((table, hash_key, range_key, copy.deepcopy(found)))
    return before


def _put_back(table: Table, hash_key: DynamoType, range_key: DynamoType | None, item: Any) -> None:
    """The item as it was (absent if ``None``), written without a stream record."""
    items: dict[Any, Any] = table.items[hash_key] if range_key is not None else table.items
    key = range_key if range_key is not None else hash_key
    if item is None:
        items.pop(key, None)
    else:
        items[key] = item


def _undoing_in_place(transact: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(transact)
    def undoing(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> Any:
        before = _named_items(self, transact_items)
        shards = {t.stream_shard: len(t.stream_shard.items) for t, *_ in before if t.stream_shard}
        try:
            return transact(self, transact_items)
        except Exception:
            for table, hash_key, range_key, item in reversed(before):
                _put_back(table, hash_key, range_key, item)
            for shard, length in shards.items():
                del shard.items[length:]
            raise

    undoing.undoes_in_place = True  # type: ignore[attr-defined]
    return undoing


def keep_stream_shards() -> None:
    """Patch this process's moto (once is enough)."""
    original = DynamoDBBackend.transact_write_items
    if not getattr(original, "undoes_in_place", False):
        shallow_tables = SimpleNamespace(deepcopy=_deepcopy_but_tables)
        models.copy = shallow_tables  # type: ignore[attr-defined,assignment]
        DynamoDBBackend.transact_write_items = _undoing_in_place(original)  # type: ignore[method-assign]
