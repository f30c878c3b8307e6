"""DynamoDB access for customers: profiles, address guards, the active index (keys in
``ongpt.storage.tables``)."""

from __future__ import annotations

import hashlib
from typing import Any

from botocore.exceptions import ClientError

from ongpt.platform.errors import AlreadyRegistered
from ongpt.storage.dynamo import (
    cancelled_because_of_conditions,
    from_item,
    key,
    query_all,
    to_item,
)
from ongpt.storage.tables import BY_STATUS

CUSTOMER = "CUSTOMER#{}"
GUARD = "GUARD"
PROFILE = "PROFILE"


ACTIVE_SHARDS = 16


def active_shard(customer_id: str) -> str:
    """The ``by-status`` partition of an active customer: spread, so no partition is hot."""
    shard = int(hashlib.sha256(customer_id.encode()).hexdigest(), 16) % ACTIVE_SHARDS
    return f"CUSTOMER#ACTIVE#{shard}"


def guard_key(kind: str, index: str) -> dict[str, Any]:
    """The uniqueness guard of an address: ``EMAIL#<hmac>`` or ``PHONE#<hmac>``."""
    return key(f"{kind.upper()}#{index}", GUARD)


class CustomerStore:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db, self._table = dynamodb, table

    def taken(self, email_index: str, phone_index: str) -> tuple[bool, bool]:
        """Whether each address already belongs to an account."""
        keys = [guard_key("email", email_index), guard_key("phone", phone_index)]
        found = self._db.batch_get_item(
            RequestItems={self._table: {"Keys": keys, "ConsistentRead": True}}
        )["Responses"].get(self._table, [])
        present = {from_item(item)["pk"] for item in found}
        return f"EMAIL#{email_index}" in present, f"PHONE#{phone_index}" in present

    def owner_of(self, kind: str, index: str) -> str | None:
        found = self._db.get_item(
            TableName=self._table, Key=guard_key(kind, index), ConsistentRead=True
        ).get("Item")
        return str(from_item(found)["customer_id"]) if found else None

    def create(
        self,
        customer_id: str,
        profile: dict[str, Any],
        guards: dict[str, str],
        records: list[dict[str, Any]],
        also: list[dict[str, Any]],
    ) -> None:
        """Profile, address guards, records and ``also`` in one transaction, or nothing.

        Raises ``AlreadyRegistered`` when an address was taken meanwhile."""
        pk = CUSTOMER.format(customer_id)
        guard_puts = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": {**guard_key(kind, index), **to_item({"customer_id": customer_id})},
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            for kind, index in guards.items()
        ]
        puts = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item({"pk": pk, **item}),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            for item in [{"sk": PROFILE, **profile}, *records]
        ]
        try:
            self._db.transact_write_items(TransactItems=[*guard_puts, *puts, *also])
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            failed = cancelled_because_of_conditions(error)
            if any(failed[: len(guard_puts)]):
                raise AlreadyRegistered(
                    "The email address or phone number is already registered."
                ) from None
            raise

    def profile(self, customer_id: str) -> dict[str, Any] | None:
        found = self._db.get_item(
            TableName=self._table, Key=key(CUSTOMER.format(customer_id), PROFILE)
        ).get("Item")
        return from_item(found) if found else None

    def apply(
        self,
        customer_id: str,
        *,
        sealed: dict[str, str],
        old_indexes: dict[str, str],
        new_indexes: dict[str, str],
        also: list[dict[str, Any]],
    ) -> None:
        """New sealed fields and address guards in one transaction, if the profile still has the
        addresses it had. Raises ``AlreadyRegistered`` when a new address is someone else's."""
        values = {**sealed, **{f"{a}_index": i for a, i in new_indexes.items()}}
        profile_update = {
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
        moves: list[dict[str, Any]] = []
        new_guard_positions = []
        for kind, new in new_indexes.items():
            if new == old_indexes[kind]:
                continue
            moves.append(
                {
                    "Delete": {
                        "TableName": self._table,
                        "Key": guard_key(kind, old_indexes[kind]),
                        "ConditionExpression": "customer_id = :me",
                        "ExpressionAttributeValues": to_item({":me": customer_id}),
                    }
                }
            )
            new_guard_positions.append(1 + len(moves))
            moves.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": {**guard_key(kind, new), **to_item({"customer_id": customer_id})},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        try:
            self._db.transact_write_items(TransactItems=[profile_update, *moves, *also])
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            failed = cancelled_because_of_conditions(error)
            if any(failed[i] for i in new_guard_positions if i < len(failed)):
                raise AlreadyRegistered("An address belongs to another account.") from None
            raise

    def _consent_items(self, customer_id: str) -> list[dict[str, Any]]:
        return query_all(
            self._db,
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :consent)",
            ExpressionAttributeValues=to_item(
                {":pk": CUSTOMER.format(customer_id), ":consent": "CONSENT#"}
            ),
            ConsistentRead=True,
        )

    def consents(self, customer_id: str) -> list[dict[str, Any]]:
        """The current state of each purpose (``CONSENT#<purpose>``)."""
        return [i for i in self._consent_items(customer_id) if i["sk"].count("#") == 1]

    def consent_history(self, customer_id: str) -> list[dict[str, Any]]:
        """Every change, oldest first (``CONSENT#<purpose>#<time>``)."""
        changes = [i for i in self._consent_items(customer_id) if i["sk"].count("#") == 2]
        fields = ("purpose", "granted", "version", "updated_at", "source")
        return sorted(
            ({k: c.get(k) for k in fields} for c in changes), key=lambda c: str(c["updated_at"])
        )

    def record_consent(self, customer_id: str, state: dict[str, Any]) -> None:
        """The new state and its history entry, together."""
        self._db.transact_write_items(TransactItems=self.consent_change(customer_id, state))

    def consent_change(self, customer_id: str, state: dict[str, Any]) -> list[dict[str, Any]]:
        """The transaction items of a consent's new state and its history entry."""
        pk = CUSTOMER.format(customer_id)
        purpose, at = state["purpose"], state["updated_at"]
        return [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item({"pk": pk, "sk": f"CONSENT#{purpose}", **state}),
                }
            },
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item({"pk": pk, "sk": f"CONSENT#{purpose}#{at}", **state}),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
        ]

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
