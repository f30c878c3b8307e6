"""DynamoDB access for customers: profiles and the active index (Customers), the address guards
(Guards; keys in ``ongpt.storage.tables``).

A blind index is the only link from an address to a customer's id, and the blind-index key
outlives every erasure: so the guards, and the customer's own record of which guards are theirs,
live in the Guards table alone, which like the key store has a short point-in-time recovery and
no backups. The profile keeps no blind index.

The counts of active customers and of those of them with ``product_updates`` granted (what an
announcement reaches, ``ongpt.announcements``) are kept in ``ACTIVE_SHARDS`` counter items,
``COUNTS#<shard>`` / ``COUNTS`` (the customer's active shard), changed by ``counting`` in the
transactions that change a status or that consent: registration's completion, a change of the
consent, closure and reactivation. Read together, they are the counts, exact, whatever the
number of customers."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ongpt.platform.pages import PageRequest
from ongpt.platform.telemetry import tracer
from ongpt.storage import batches
from ongpt.storage.dynamo import (
    batch_get,
    from_item,
    key,
    query_page,
    to_item,
)
from ongpt.storage.tables import BY_STATUS, CUSTOMER

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        KeysAndAttributesTypeDef,
        TransactWriteItemTypeDef,
    )

GUARD = "GUARD"
PROFILE = "PROFILE"
ADDRESSES = "ADDRESSES"  # in Guards: the blind indexes of the customer's guarded addresses


ACTIVE_SHARDS = 16
COUNTS = "COUNTS"
COUNTED = ("active", "product_updates")


@dataclass(frozen=True)
class ActivePage:
    """The ids of a page of a shard's active customers, and the next page's cursor (None: the
    last): the key the index read stopped at, as JSON, for the fan-out's queued messages."""

    customer_ids: list[str]
    next: str | None


@dataclass(frozen=True)
class Applying:
    """The items of a change of profile and addresses, first in their transaction."""

    items: list[TransactWriteItemTypeDef]
    new_guards: tuple[int, ...]  # the positions of the new addresses' guards among them

    def clashed(self, failed: Sequence[int]) -> bool:
        """Whether the transaction failed because a new address is someone else's."""
        return not set(failed).isdisjoint(self.new_guards)


def shard_of(customer_id: str) -> int:
    """The customer's shard: of the active customers' ``by-status`` partitions, and of the
    counts."""
    return int(hashlib.sha256(customer_id.encode()).hexdigest(), 16) % ACTIVE_SHARDS


def active_shard(customer_id: str) -> str:
    """The ``by-status`` partition of an active customer: spread, so no partition is hot."""
    return f"CUSTOMER#ACTIVE#{shard_of(customer_id)}"


def counts_key(shard: int) -> dict[str, AttributeValueTypeDef]:
    return key(f"{COUNTS}#{shard}", COUNTS)


def guard_key(kind: str, index: str) -> dict[str, AttributeValueTypeDef]:
    """The uniqueness guard of an address: ``EMAIL#<hmac>`` or ``PHONE#<hmac>``."""
    return key(f"{kind.upper()}#{index}", GUARD)


def addresses_key(customer_id: str) -> dict[str, AttributeValueTypeDef]:
    """The customer's record of their guards' blind indexes, in Guards."""
    return key(CUSTOMER.format(customer_id), ADDRESSES)


class CustomerStore:
    def __init__(self, dynamodb: DynamoDBClient, table: str, guards_table: str) -> None:
        self._db, self._table, self._guards = dynamodb, table, guards_table

    @tracer.capture_method
    def taken(self, email_index: str, phone_index: str) -> tuple[bool, bool]:
        """Whether each address already belongs to an account."""
        keys = [guard_key("email", email_index), guard_key("phone", phone_index)]
        requested: dict[str, KeysAndAttributesTypeDef] = {
            self._guards: {"Keys": keys, "ConsistentRead": True}
        }
        found = batches.get_all(self._db, requested)[self._guards]  # never a partial answer
        present = {from_item(item)["pk"] for item in found}
        return f"EMAIL#{email_index}" in present, f"PHONE#{phone_index}" in present

    @tracer.capture_method
    def owner_of(self, kind: str, index: str) -> str | None:
        found = self._db.get_item(
            TableName=self._guards, Key=guard_key(kind, index), ConsistentRead=True
        ).get("Item")
        return str(from_item(found)["customer_id"]) if found else None

    @tracer.capture_method
    def addresses(self, customer_id: str) -> dict[str, str] | None:
        """The blind indexes of the customer's guarded addresses (``email``, ``phone``), if any."""
        found = self._db.get_item(
            TableName=self._guards, Key=addresses_key(customer_id), ConsistentRead=True
        ).get("Item")
        return (
            {a: str(from_item(found)[f"{a}_index"]) for a in ("email", "phone")} if found else None
        )

    def creating(
        self,
        customer_id: str,
        profile: dict[str, Any],
        guards: dict[str, str],
        records: list[dict[str, Any]],
    ) -> list[TransactWriteItemTypeDef]:
        """The transaction items of a new customer: the address guards first (each fails its
        condition when the address was taken meanwhile), the record of them, then the profile
        and ``records``."""
        pk = CUSTOMER.format(customer_id)
        guard_puts: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self._guards,
                    "Item": {**guard_key(kind, index), **to_item({"customer_id": customer_id})},
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            for kind, index in guards.items()
        ]
        indexes = {f"{kind}_index": index for kind, index in guards.items()}
        record: TransactWriteItemTypeDef = {
            "Put": {
                "TableName": self._guards,
                "Item": {**addresses_key(customer_id), **to_item(indexes)},
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
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
        return [*guard_puts, record, *puts]

    @tracer.capture_method
    def profile(self, customer_id: str, *, consistent: bool = False) -> dict[str, Any] | None:
        found = self._db.get_item(
            TableName=self._table,
            Key=key(CUSTOMER.format(customer_id), PROFILE),
            ConsistentRead=consistent,
        ).get("Item")
        return from_item(found) if found else None

    @tracer.capture_method
    def profiles_of(self, customer_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The profiles of the customers (at most ``BATCH_GET_MOST``: a page's) that have one,
        by customer: one ``BatchGetItem``."""
        keys = [key(CUSTOMER.format(c), PROFILE) for c in dict.fromkeys(customer_ids)]
        found = batch_get(self._db, self._table, keys)
        return {item["pk"].removeprefix(CUSTOMER.format("")): item for item in found}

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

    def while_active(self, customer_id: str) -> TransactWriteItemTypeDef:
        """The transaction item that holds only while the account is ``ACTIVE``: a
        ``ConditionCheck``, which writes nothing
        (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html)."""
        return {
            "ConditionCheck": {
                "TableName": self._table,
                "Key": key(CUSTOMER.format(customer_id), PROFILE),
                "ConditionExpression": "#status = :active",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": to_item({":active": "ACTIVE"}),
            }
        }

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
        the customer's guards are still those of ``old_indexes``."""
        profile_update: TransactWriteItemTypeDef = {
            "Update": {
                "TableName": self._table,
                "Key": key(CUSTOMER.format(customer_id), PROFILE),
                "UpdateExpression": "SET " + ", ".join(f"#{k} = :{k}" for k in sealed),
                "ConditionExpression": "attribute_exists(pk)",
                "ExpressionAttributeNames": {f"#{k}": k for k in sealed},
                "ExpressionAttributeValues": to_item({f":{k}": v for k, v in sealed.items()}),
            }
        }
        record_update: TransactWriteItemTypeDef = {
            "Update": {
                "TableName": self._guards,
                "Key": addresses_key(customer_id),
                "UpdateExpression": "SET email_index = :email, phone_index = :phone",
                "ConditionExpression": "email_index = :old_email AND phone_index = :old_phone",
                "ExpressionAttributeValues": to_item(
                    {
                        ":email": new_indexes["email"],
                        ":phone": new_indexes["phone"],
                        ":old_email": old_indexes["email"],
                        ":old_phone": old_indexes["phone"],
                    }
                ),
            }
        }
        items: list[TransactWriteItemTypeDef] = [profile_update, record_update]
        new_guards = []
        for kind, new in new_indexes.items():
            if new == old_indexes[kind]:
                continue
            items.append(
                {
                    "Delete": {
                        "TableName": self._guards,
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
                        "TableName": self._guards,
                        "Item": {**guard_key(kind, new), **to_item({"customer_id": customer_id})},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        return Applying(items, tuple(new_guards))

    @tracer.capture_method
    def releasing(self, customer_id: str) -> list[TransactWriteItemTypeDef]:
        """The transaction items that remove the customer's guards and the record of them (the
        addresses may register again); none if they are gone."""
        found = self.addresses(customer_id)
        if found is None:
            return []
        mine = to_item({":me": customer_id})
        guards: list[TransactWriteItemTypeDef] = [
            {
                "Delete": {
                    "TableName": self._guards,
                    "Key": guard_key(kind, index),
                    "ConditionExpression": "attribute_not_exists(pk) OR customer_id = :me",
                    "ExpressionAttributeValues": mine,
                }
            }
            for kind, index in found.items()
        ]
        record: TransactWriteItemTypeDef = {
            "Delete": {
                "TableName": self._guards,
                "Key": addresses_key(customer_id),
                "ConditionExpression": "email_index = :email AND phone_index = :phone",
                "ExpressionAttributeValues": to_item(
                    {":email": found["email"], ":phone": found["phone"]}
                ),
            }
        }
        return [*guards, record]

    @tracer.capture_method
    def active_page(self, shard: int, cursor: str | None, limit: int) -> ActivePage:
        """A page of at most ``limit`` active customers of one shard (index ``by-status``), from
        ``cursor`` (None: the first): their ids, oldest first, and the next page's cursor (None
        after the last). An index read may be a moment stale (a customer who just closed may
        still be in it)."""
        after = json.loads(cursor) if cursor else None
        page = query_page(
            self._db,
            PageRequest(limit, after),
            index=BY_STATUS,
            TableName=self._table,
            KeyConditionExpression="status_key = :shard",
            ExpressionAttributeValues=to_item({":shard": f"CUSTOMER#ACTIVE#{shard}"}),
            ProjectionExpression="pk, sk, status_key, created_at",
        )
        ids = [str(item["pk"]).removeprefix("CUSTOMER#") for item in page.items]
        return ActivePage(ids, json.dumps(page.after, sort_keys=True) if page.after else None)

    def counting(
        self, customer_id: str, *, active: int = 0, product_updates: int = 0
    ) -> TransactWriteItemTypeDef:
        """The transaction item that changes the counts of active customers (``active``) and of
        those of them with ``product_updates`` granted, on the customer's shard. Sharded: an item
        takes at most 1,000 writes a second
        (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-sharding.html)."""
        return {
            "Update": {
                "TableName": self._table,
                "Key": counts_key(shard_of(customer_id)),
                "UpdateExpression": "ADD #active :active, #updates :updates",
                "ExpressionAttributeNames": {"#active": "active", "#updates": "product_updates"},
                "ExpressionAttributeValues": to_item(
                    {":active": active, ":updates": product_updates}
                ),
            }
        }

    @tracer.capture_method
    def counts(self) -> dict[str, int]:
        """The counts (``active``, ``product_updates``), the shards summed: one BatchGetItem."""
        found = batch_get(self._db, self._table, [counts_key(s) for s in range(ACTIVE_SHARDS)])
        return {name: sum(int(item.get(name, 0)) for item in found) for name in COUNTED}
