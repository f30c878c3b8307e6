"""The key store (issue 15): each owner's data key, wrapped by the data CMK, in a table of its own.

Values are sealed under their owner's data key (``ongpt.security.crypto``) wherever they are kept;
the key itself is kept only here. Deleting an owner's key item is erasing every value sealed under
it, in the live tables and in every backup of them: the wrapped key is needed to open them, and
this table keeps no backups and a short point-in-time recovery period
(``tables.KEY_STORE_RECOVERY_DAYS``), so that after that many days no copy of the key is left.

Owners are named by their encryption context, e.g. ``{"customer_id": "..."}``: the item key is
``customer_id#<id>``. A key is written once, in the same transaction as the first value sealed
under it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ongpt.platform import concurrency
from ongpt.security.crypto import DataKeys
from ongpt.storage.dynamo import batch_get, from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


class KeyGone(LookupError):
    """The owner's data key is not in the key store: never made, or destroyed by erasure."""


def owner_key(context: dict[str, str]) -> str:
    ((kind, owner),) = context.items()
    return f"{kind}#{owner}"


class KeyStore:
    def __init__(self, dynamodb: DynamoDBClient, table: str, keys: DataKeys) -> None:
        self._db, self._table, self._keys = dynamodb, table, keys

    def new(self, context: dict[str, str]) -> tuple[bytes, TransactWriteItemTypeDef]:
        """A fresh data key for the owner, and the transaction item that keeps it (only if the
        owner has none yet)."""
        plaintext, wrapped = self._keys.new(context)
        put: TransactWriteItemTypeDef = {
            "Put": {
                "TableName": self._table,
                "Item": to_item({"pk": owner_key(context), "wrapped": wrapped}),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        return plaintext, put

    def open(self, context: dict[str, str]) -> bytes:
        """The owner's data key; ``KeyGone`` if it was destroyed (or never made). Read strongly
        consistent: a key written a moment ago with its owner (a notice of the same transaction
        on its way to the delivery worker) must not read as gone, and a key just destroyed must."""
        found = self._db.get_item(
            TableName=self._table, Key=to_item({"pk": owner_key(context)}), ConsistentRead=True
        ).get("Item")
        if not found:
            raise KeyGone(owner_key(context))
        return self._keys.open(from_item(found)["wrapped"], context)

    def open_all(self, kind: str, owners: Sequence[str]) -> dict[str, bytes]:
        """The data keys of the owners of a ``kind``, by owner: read a hundred to a batch,
        strongly consistent as ``open`` reads, and unwrapped by KMS a few at once
        (``concurrency.each``); ``KeyGone`` if one is not there."""
        distinct = list(dict.fromkeys(owners))
        contexts = [{kind: owner} for owner in distinct]
        found = batch_get(self._db, self._table, [to_item({"pk": owner_key(c)}) for c in contexts])
        wrapped = {item["pk"]: item["wrapped"] for item in found}
        if gone := [owner_key(c) for c in contexts if owner_key(c) not in wrapped]:
            raise KeyGone(gone[0])
        opened = concurrency.each(lambda c: self._keys.open(wrapped[owner_key(c)], c), contexts)
        return dict(zip(distinct, opened, strict=True))

    def destroy(self, context: dict[str, str]) -> TransactWriteItemTypeDef:
        """The transaction item that deletes the owner's key: crypto-shredding (idempotent)."""
        return {"Delete": {"TableName": self._table, "Key": to_item({"pk": owner_key(context)})}}
