"""DynamoDB's transaction isolation and limits, which moto lacks, for the runtime's moto and the
in-process world alike (``install`` patches moto's DynamoDB request handler).

Moto difference: moto serves a transaction without regard to others at the same time, so none is
ever cancelled by a conflict. "Transaction conflict handling in DynamoDB"
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-conflict-handling):

- a ``PutItem``, ``UpdateItem`` or ``DeleteItem`` of an item that an ongoing ``TransactWriteItems``
  includes fails with ``TransactionConflictException``;
- a ``TransactWriteItems`` with an item of another ongoing ``TransactWriteItems``, and a
  ``TransactGetItems`` with an item of an ongoing ``TransactWriteItems``, ``BatchWriteItem``,
  ``PutItem``, ``UpdateItem`` or ``DeleteItem``, are cancelled: ``TransactionCanceledException``,
  its ``CancellationReasons`` in the order of the request's items, ``TransactionConflict`` for
  those items and ``None`` for the others (the SDKs do not retry it);
- a ``GetItem`` meets no conflict.

A request is ongoing here from its arrival at moto to its answer; a request arriving meanwhile
conflicts with it as above (the one already under way goes on). Moto's work is done one request
at a time (``local/moto_host.py``), so requests for the same items overlap while one waits for
another. A call a test holds (``local/holds.py``) waits before it arrives: it is not ongoing while
held, as the pause a hold models comes before the request is sent. ``LOCAL_CHAOS``'s
``tx_latency_ms`` (``local/chaos.py``) gives each transaction that much latency while it is
ongoing, so that conflicts happen more often, as they do under load.

Limits moto does not check ("TransactWriteItems", Amazon DynamoDB API Reference,
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html): the
items of a transaction are at most 4 MB in all (``ValidationException``); an item in it over the
item size limit cancels it with ``ValidationError`` for that item (moto answers a
``ValidationException`` instead). Moto refuses more than 100 actions and a single item over its
size limit itself.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict
from moto.dynamodb.models.utilities import bytesize
from moto.dynamodb.responses import DynamoHandler

from local import chaos

log = logging.getLogger("local.transactions")

ItemId = tuple[str, str]  # (table, the key's attribute values)
Response = tuple[int, dict[str, Any], str]
TRANSACTION_BYTES = 4 * 1024 * 1024
ONGOING = "Transaction is ongoing for the item"
PREFIX = "com.amazonaws.dynamodb.v20120810#"

TRANSACT_WRITE, TRANSACT_GET, WRITE = "TransactWriteItems", "TransactGetItems", "write"
SINGLE_WRITES = ("PutItem", "UpdateItem", "DeleteItem")
# (a request of this kind, an ongoing one of that kind): whether the first one conflicts
CONFLICTS = {
    (WRITE, TRANSACT_WRITE),
    (TRANSACT_WRITE, TRANSACT_WRITE),
    (TRANSACT_GET, TRANSACT_WRITE),
    (TRANSACT_GET, WRITE),
}


@dataclass(frozen=True)
class Ongoing:
    kind: str
    items: frozenset[ItemId]


class Isolation:
    """The requests under way and the items each touches."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ongoing: dict[int, Ongoing] = {}
        self._next = 0

    def begin(self, kind: str, items: list[ItemId]) -> tuple[int | None, list[bool]]:
        """A token for a request that conflicts with none under way (None if it does), and for
        each of its items whether it conflicts."""
        with self._lock:
            clashing = [
                any(item in o.items and (kind, o.kind) in CONFLICTS for o in self._ongoing.values())
                for item in items
            ]
            if any(clashing):
                return None, clashing
            self._next += 1
            self._ongoing[self._next] = Ongoing(kind, frozenset(items))
            return self._next, clashing

    def end(self, token: int) -> None:
        with self._lock:
            del self._ongoing[token]

    def ongoing(self, kind: str) -> int:
        """How many requests of ``kind`` are under way."""
        with self._lock:
            return sum(o.kind == kind for o in self._ongoing.values())


ISOLATION = Isolation()


def _item_id(handler: DynamoHandler, table_name: str, attributes: dict[str, Any]) -> ItemId:
    """An item by its table and key (``attributes`` may hold more than the key)."""
    table = handler.dynamodb_backend.tables.get(table_name)
    names = [table.hash_key_attr, table.range_key_attr] if table else sorted(attributes)
    key = [repr(sorted(attributes.get(name, {}).items())) for name in names if name]
    return table_name, json.dumps(key)


def _touched(handler: DynamoHandler, operation: str) -> tuple[str, list[ItemId]] | None:
    """The kind of request and the items it touches, in order (None: no conflict to meet)."""
    params = handler.params
    if operation in SINGLE_WRITES:
        key = params.get("Key") or params.get("Item") or {}
        return WRITE, [_item_id(handler, params.get("TableName", ""), key)]
    if operation == "BatchWriteItem":
        return WRITE, [
            _item_id(handler, table, (r.get("PutRequest") or {}).get("Item") or _key(r))
            for table, requests in (params.get("RequestItems") or {}).items()
            for r in requests
        ]
    if operation in (TRANSACT_WRITE, TRANSACT_GET):
        actions: list[dict[str, Any]] = [
            next(iter(entry.values()), {}) for entry in params.get("TransactItems") or []
        ]
        return operation, [
            _item_id(handler, a.get("TableName", ""), a.get("Key") or a.get("Item") or {})
            for a in actions
        ]
    return None


def _key(request: dict[str, Any]) -> dict[str, Any]:
    return (request.get("DeleteRequest") or {}).get("Key") or {}


def error(code: str, body: dict[str, Any]) -> Response:
    """A DynamoDB error answer (JSON 1.0 protocol)."""
    headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-ErrorType": code}
    return 400, headers, json.dumps({"__type": PREFIX + code, **body})


def cancelled(reasons: Iterable[tuple[str, str] | None]) -> Response:
    """``TransactionCanceledException`` with a reason per item (None: ``None``)."""
    listed = [{"Code": "None"} if r is None else {"Code": r[0], "Message": r[1]} for r in reasons]
    codes = ", ".join(r["Code"] for r in listed)
    message = (
        f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]"
    )
    return error(
        "TransactionCanceledException", {"message": message, "CancellationReasons": listed}
    )


def _conflict(operation: str, clashing: list[bool]) -> Response:
    if operation in (TRANSACT_WRITE, TRANSACT_GET):
        return cancelled(("TransactionConflict", ONGOING) if c else None for c in clashing)
    return error("TransactionConflictException", {"message": ONGOING})


def _item_size(item: dict[str, Any]) -> int:
    return sum(bytesize(name) + DynamoType(value).size() for name, value in item.items())


def _over_item_limit(item: dict[str, Any]) -> bool:
    """Whether moto's own item size rule refuses ``item``."""
    checked = LimitedSizeDict()
    try:
        for name, value in item.items():
            checked[name] = DynamoType(value)  # each assignment checks the size so far
    except ItemSizeTooLarge:
        return True
    return False


def _transaction_limits(params: dict[str, Any]) -> Response | None:
    """What DynamoDB answers a transaction over its size limits, or None."""
    actions: list[dict[str, Any]] = [
        next(iter(entry.values()), {}) for entry in params.get("TransactItems") or []
    ]
    items = [a.get("Item") or a.get("Key") or {} for a in actions]
    values = [a.get("ExpressionAttributeValues") or {} for a in actions]
    if sum(_item_size(i) + _item_size(v) for i, v in zip(items, values, strict=True)) > (
        TRANSACTION_BYTES
    ):
        message = "Transaction request cannot be larger than 4 MB"
        return error("ValidationException", {"message": message})
    too_large = [("Item" in a and _over_item_limit(a["Item"])) for a in actions]
    if any(too_large):
        reason = ("ValidationError", "Item size has exceeded the maximum allowed size")
        return cancelled(reason if large else None for large in too_large)
    return None


def _isolated(call_action: Callable[[DynamoHandler], Response]) -> Callable[..., Response]:
    @wraps(call_action)
    def isolated(self: DynamoHandler) -> Response:
        operation = self._get_action()
        if operation == TRANSACT_WRITE and (refused := _transaction_limits(self.params)):
            return refused
        touched = _touched(self, operation)
        if touched is None:
            return call_action(self)
        kind, items = touched
        token, clashing = ISOLATION.begin(kind, items)
        if token is None:
            log.info("%s met an ongoing transaction: TransactionConflict", operation)
            return _conflict(operation, clashing)
        try:
            if kind in (TRANSACT_WRITE, TRANSACT_GET):
                time.sleep(chaos.settings().tx_latency_ms / 1000)
            return call_action(self)
        finally:
            ISOLATION.end(token)

    isolated.isolated = True  # type: ignore[attr-defined]
    return isolated


def install() -> None:
    """Patch this process's moto (once is enough; after ``moto_host.serialise_dynamodb``, so
    that a request is ongoing while it waits for its turn)."""
    if not getattr(DynamoHandler.call_action, "isolated", False):
        DynamoHandler.call_action = _isolated(DynamoHandler.call_action)  # type: ignore[method-assign]
