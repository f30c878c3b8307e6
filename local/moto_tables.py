"""Moto difference: every query of a table starts from ``Table.all_items``, which sorts all the
table's items by their keys, each comparison casting both keys again (``DynamoType.cast_value``,
which tests five other types before a string's), though a query sorts what it matched anyway: at
20,000 items a query takes seconds, and a fan-out that reads a page per message would take
minutes where DynamoDB reads only the page. Here a string's or a binary's cast is its value at
once, a query takes the items unsorted, and a scan (whose pages follow that order) sorts them
with each key cast once. A query of the table itself (not of an index) starts from its
partition's items alone, as moto keeps them by partition key: it would otherwise test every item
of the table (seconds at a million items, for what DynamoDB reads from one partition)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import wraps
from typing import Any

from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

_CAST = DynamoType.cast_value
_AS_IS = frozenset({"S", "B", "BOOL"})  # what moto's cast gives back unchanged
_querying = threading.local()  # while this thread's query runs: ``now``, and its ``partition``


def _cast_value(self: DynamoType) -> Any:
    return self.value if self.type in _AS_IS else _CAST.fget(self)  # type: ignore[attr-defined]


def _key(item: Item) -> tuple[Any, ...]:
    """The order moto sorts by (hash key, then range key), each cast once."""
    hash_key = item.hash_key.cast_value
    return (hash_key, item.range_key.cast_value) if item.range_key else (hash_key,)


def _all_items(self: Table) -> list[Item]:
    partition = getattr(_querying, "partition", None)
    if partition is not None:  # a query of the table: its partition only
        found = self.items.get(partition, {})
        return list(found.values()) if self.range_key_attr else [found]  # type: ignore[list-item]
    items: list[Item] = []
    for hash_set in self.items.values():
        items.extend(hash_set.values() if self.range_key_attr else [hash_set])  # type: ignore[list-item]
    return items if getattr(_querying, "now", False) else sorted(items, key=_key)


def _unsorted(query: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(query)
    def querying(self: Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index = args[6] if len(args) > 6 else kwargs.get("index_name")  # after hash_key
        _querying.now = True
        _querying.partition = hash_key if index is None else None
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            _querying.now = False
            _querying.partition = None

    return querying


def sort_keys_once() -> None:
    """Patch this process's moto (once is enough)."""
    if Table.all_items is not _all_items:
        DynamoType.cast_value = property(_cast_value)  # type: ignore[method-assign,assignment]
        Table.all_items = _all_items  # type: ignore[method-assign]
        Table.query = _unsorted(Table.query)  # type: ignore[method-assign]
