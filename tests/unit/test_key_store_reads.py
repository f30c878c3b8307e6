"""The key store reads strongly consistent: a key written with its owner a moment ago is found
(a notice of the same transaction can reach the delivery worker first), a destroyed one is gone.
DynamoDB's default read may miss either; moto cannot show it, so the request is checked."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import pytest

from ongpt.security.crypto import DataKeys
from ongpt.storage.key_store import KeyGone, KeyStore

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient


class Table:
    """A DynamoDB client holding one key store item, or none, recording each GetItem."""

    def __init__(self, item: dict[str, Any] | None) -> None:
        self.item, self.reads = item, list[dict[str, Any]]()

    def get_item(self, **params: Any) -> dict[str, Any]:
        self.reads.append(params)
        return {"Item": self.item} if self.item else {}


class Keys:
    def open(self, wrapped: bytes, context: dict[str, str]) -> bytes:
        return b"plain:" + wrapped + context["customer_id"].encode()


def store(table: Table) -> KeyStore:
    return KeyStore(cast("DynamoDBClient", table), "DataKeys", cast(DataKeys, Keys()))


def test_a_key_is_read_strongly_consistent() -> None:
    table = Table({"pk": {"S": "customer_id#c-1"}, "wrapped": {"B": b"w"}})
    assert store(table).open({"customer_id": "c-1"}) == b"plain:wc-1"
    assert table.reads == [
        {"TableName": "DataKeys", "Key": {"pk": {"S": "customer_id#c-1"}}, "ConsistentRead": True}
    ]


def test_a_destroyed_key_is_gone() -> None:
    table = Table(None)
    with pytest.raises(KeyGone):
        store(table).open({"customer_id": "c-1"})
    assert table.reads[0]["ConsistentRead"] is True
