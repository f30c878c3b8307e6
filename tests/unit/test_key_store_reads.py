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
    """A DynamoDB client holding key store items (one, or none, for ``GetItem``), recording each
    read."""

    def __init__(self, *items: dict[str, Any] | None) -> None:
        self.items = {item["pk"]["S"]: item for item in items if item}
        self.reads = list[dict[str, Any]]()

    def get_item(self, **params: Any) -> dict[str, Any]:
        self.reads.append(params)
        return {"Item": item} if (item := next(iter(self.items.values()), None)) else {}

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        self.reads.append(RequestItems)
        ((table, asked),) = RequestItems.items()
        found = [self.items[k["pk"]["S"]] for k in asked["Keys"] if k["pk"]["S"] in self.items]
        return {"Responses": {table: found}}


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


def key_item(owner: str) -> dict[str, Any]:
    return {"pk": {"S": f"customer_id#{owner}"}, "wrapped": {"B": b"w"}}


def test_many_keys_are_read_a_hundred_to_a_batch_strongly_consistent_in_their_order() -> None:
    owners = [f"c-{i}" for i in range(250)]
    table = Table(*(key_item(owner) for owner in reversed(owners)))
    opened = store(table).open_all("customer_id", owners)
    assert list(opened) == owners
    assert list(opened.values()) == [b"plain:w" + owner.encode() for owner in owners]
    assert [len(read["DataKeys"]["Keys"]) for read in table.reads] == [100, 100, 50]
    assert all(read["DataKeys"]["ConsistentRead"] for read in table.reads)


def test_among_many_keys_a_destroyed_one_is_gone() -> None:
    table = Table(key_item("c-1"))
    with pytest.raises(KeyGone):
        store(table).open_all("customer_id", ["c-1", "c-2"])
