"""DynamoDB access for customers: profiles, address guards, the active index (keys in
``ongpt.storage.tables``)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ongpt.platform import settings
from ongpt.platform.telemetry import tracer
from ongpt.storage.dynamo import (
    from_item,
    key,
    query_all,
    to_item,
)
from ongpt.storage.tables import BY_STATUS

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, TransactWriteItemTypeDef

CUSTOMER = "CUSTOMER#{}"
GUARD = "GUARD"
PROFILE = "PROFILE"


ACTIVE_SHARDS = 16


@dataclass(frozen=True)
class Applying:
    """The items of a change of profile and addresses, first in their transaction."""

    items: list[TransactWriteItemTypeDef]
    new_guards: tuple[int, ...]  # the positions of the new addresses' guards among them

    def clashed(self, failed: Sequence[int]) -> bool:
        """Whether the transaction failed because a new address is someone else's."""
        return not set(failed).isdisjoint(self.new_guards)


def active_shard(customer_id: str) -> str:
    """The ``by-status`` partition of an active customer: spread, so no partition is hot."""
    shard = int(hashlib.sha256(customer_id.encode()).hexdigest(), 16) % ACTIVE_SHARDS
    return f"CUSTOMER#ACTIVE#{shard}"


def guard_key(kind: str, index: str) -> dict[str, AttributeValueTypeDef]:
    """The uniqueness guard of an address: ``EMAIL#<hmac>`` or ``PHONE#<hmac>``."""
    return key(f"{kind.upper()}#{index}", GUARD)


class CustomerStore:
    TABLE = settings.CUSTOMERS_TABLE  # the table it is built on (ongpt.services)

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db, self._table = dynamodb, table

    @tracer.capture_method
    def taken(self, email_index: str, phone_index: str) -> tuple[bool, bool]:
        """Whether each address already belongs to an account."""
        keys = [guard_key("email", email_index), guard_key("phone", phone_index)]
        found = self._db.batch_get_item(
            RequestItems={self._table: {"Keys": keys, "ConsistentRead": True}}
        )["Responses"].get(self._table, [])
        present = {from_item(item)["pk"] for item in found}
        return f"EMAIL#{email_index}" in present, f"PHONE#{phone_index}" in present

    @tracer.capture_method
    def owner_of(self, kind: str, index: str) -> str | None:
        found = self._db.get_item(
            TableName=self._table, Key=guard_key(kind, index), ConsistentRead=True
        ).get("Item")
        return str(from_item(found)["customer_id"]) if found else None

    def creating(
        self,
        customer_id: str,
        profile: dict[str, Any],
        guards: dict[str, str],
        records: list[dict[str, Any]],
    ) -> list[TransactWriteItemTypeDef]:
        """The transaction items of a new customer: the address guards first (each fails its
        condition when the address was taken meanwhile), then the profile and ``records``."""
        pk = CUSTOMER.format(customer_id)
        guard_puts: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": {**guard_key(kind, index), **to_item({"customer_id": customer_id})},
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            for kind, index in guards.items()
        ]
        puts: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item({"pk": pk, **item}),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            for item in [{"sk": PROFILE, **profile}, *records]
        ]
        return [*guard_puts, *puts]

    @tracer.capture_method
    def profile(self, customer_id: str, *, consistent: bool = False) -> dict[str, Any] | None:
        found = self._db.get_item(
            TableName=self._table,
            Key=key(CUSTOMER.format(customer_id), PROFILE),
            ConsistentRead=consistent,
        ).get("Item")
        return from_item(found) if found else None

    @tracer.capture_method
    def status(self, customer_id: str) -> str | None:
        """The account's status alone, read consistently (a closure takes effect at once)."""
        found = self._db.get_item(
            TableName=self._table,
            Key=key(CUSTOMER.format(customer_id), PROFILE),
            ProjectionExpression="#status",
            ExpressionAttributeNames={"#status": "status"},
            ConsistentRead=True,
        ).get("Item")
        return str(from_item(found)["status"]) if found else None

    @tracer.capture_method
    def applying(
        self,
        customer_id: str,
        *,
        sealed: dict[str, str],
        old_indexes: dict[str, str],
        new_indexes: dict[str, str],
    ) -> Applying:
        """The transaction items that write new sealed fields and move the address guards, if
        the profile still has the addresses it had."""
        values = {**sealed, **{f"{a}_index": i for a, i in new_indexes.items()}}
        profile_update: TransactWriteItemTypeDef = {
            "Update": {
                "TableName": self._table,
                "Key": key(CUSTOMER.format(customer_id), PROFILE),
                "UpdateExpression": "SET " + ", ".join(f"#{k} = :{k}" for k in values),
                "ConditionExpression": "email_index = :old_email AND phone_index = :old_phone",
                "ExpressionAttributeNames": {f"#{k}": k for k in values},
                "ExpressionAttributeValues": to_item(
                    {
                        **{f":{k}": v for k, v in values.items()},
                        ":old_email": old_indexes["email"],
                        ":old_phone": old_indexes["phone"],
                    }
                ),
            }
        }
        items: list[TransactWriteItemTypeDef] = [profile_update]
        new_guards = []
        for kind, new in new_indexes.items():
            if new == old_indexes[kind]:
                continue
            items.append(
                {
                    "Delete": {
                        "TableName": self._table,
                        "Key": guard_key(kind, old_indexes[kind]),
                        "ConditionExpression": "customer_id = :me",
                        "ExpressionAttributeValues": to_item({":me": customer_id}),
                    }
                }
            )
            new_guards.append(len(items))
            items.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": {**guard_key(kind, new), **to_item({"customer_id": customer_id})},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        return Applying(items, tuple(new_guards))

    @tracer.capture_method
    def active_in(self, shard: int) -> list[str]:
        """The ids of the active customers of one shard (index ``by-status``)."""
        found = query_all(
            self._db,
            TableName=self._table,
            IndexName=BY_STATUS.name,
            KeyConditionExpression="status_key = :shard",
            ExpressionAttributeValues=to_item({":shard": f"CUSTOMER#ACTIVE#{shard}"}),
            ProjectionExpression="pk",
        )
        return [str(item["pk"]).removeprefix("CUSTOMER#") for item in found]
