"""DynamoDB access for consents, in the customer's partition: ``CUSTOMER#<id>`` /
``CONSENT#<purpose>`` (the current state) and ``CONSENT#<purpose>#<time>`` (its history,
append-only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ongpt.platform.telemetry import tracer
from ongpt.storage.dynamo import batch_get, from_item, key, query_all, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, TransactWriteItemTypeDef


def _partition(customer_id: str) -> str:
    return f"CUSTOMER#{customer_id}"


def consent_key(customer_id: str, purpose: str) -> dict[str, AttributeValueTypeDef]:
    """The key of a purpose's current state."""
    return key(_partition(customer_id), f"CONSENT#{purpose}")


def _still(granted: bool) -> dict[str, Any]:
    """The condition that a purpose's current state is still ``granted`` (never given counts as
    withheld)."""
    return {
        "ConditionExpression": "granted = :was"
        if granted
        else "attribute_not_exists(pk) OR granted = :was",
        "ExpressionAttributeValues": to_item({":was": granted}),
    }


class ConsentStore:
    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db, self._table = dynamodb, table

    def _consent_items(self, customer_id: str) -> list[dict[str, Any]]:
        return query_all(
            self._db,
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :consent)",
            ExpressionAttributeValues=to_item(
                {":pk": _partition(customer_id), ":consent": "CONSENT#"}
            ),
            ConsistentRead=True,
        )

    @tracer.capture_method
    def current(self, customer_id: str) -> list[dict[str, Any]]:
        """The current state of each purpose (``CONSENT#<purpose>``)."""
        return [i for i in self._consent_items(customer_id) if i["sk"].count("#") == 1]

    @tracer.capture_method
    def granted(self, customer_id: str, purpose: str) -> bool:
        """Whether the purpose is granted now, read consistently."""
        found = self._db.get_item(
            TableName=self._table, Key=consent_key(customer_id, purpose), ConsistentRead=True
        ).get("Item")
        return bool(found and from_item(found)["granted"])

    @tracer.capture_method
    def granting(self, customer_ids: list[str], purpose: str) -> set[str]:
        """Which of the customers (at most 100: one BatchGetItem) have the purpose granted now,
        read consistently."""
        found = batch_get(
            self._db,
            self._table,
            [consent_key(customer_id, purpose) for customer_id in customer_ids],
            projection="pk, granted",
        )
        return {str(i["pk"]).removeprefix("CUSTOMER#") for i in found if i.get("granted")}

    def as_read(self, customer_id: str, purpose: str, granted: bool) -> TransactWriteItemTypeDef:
        """The transaction item that holds only while the purpose is still ``granted`` (or not)
        as read: a ``ConditionCheck``, which writes nothing."""
        return {
            "ConditionCheck": {
                "TableName": self._table,
                "Key": consent_key(customer_id, purpose),
                **_still(granted),  # type: ignore[typeddict-item]
            }
        }

    @tracer.capture_method
    def history(self, customer_id: str) -> list[dict[str, Any]]:
        """Every change, oldest first (``CONSENT#<purpose>#<time>``)."""
        changes = [i for i in self._consent_items(customer_id) if i["sk"].count("#") == 2]
        fields = ("purpose", "granted", "version", "updated_at", "source")
        return sorted(
            ({k: c.get(k) for k in fields} for c in changes), key=lambda c: str(c["updated_at"])
        )

    def change(
        self, customer_id: str, state: dict[str, Any], was: bool | None = None
    ) -> list[TransactWriteItemTypeDef]:
        """The transaction items of a consent's new state and its history entry, for the
        transaction of its audit entry (and of what else the write changes, e.g. a closure);
        with ``was``, only if the purpose is still granted (or not) as read."""
        pk = _partition(customer_id)
        purpose, at = state["purpose"], state["updated_at"]
        condition = _still(was) if was is not None else {}
        return [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item({"pk": pk, "sk": f"CONSENT#{purpose}", **state}),
                    **condition,  # type: ignore[typeddict-item]
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


def consent_records(consents: dict[str, Any], at: str) -> list[dict[str, Any]]:
    """The consents given at registration: the current state of each purpose and its history."""
    states = {
        "privacy_policy": (True, consents["privacy_policy"]),
        "terms": (True, consents["terms"]),
        "marketing": (bool(consents["marketing"]), None),
        "product_updates": (bool(consents["product_updates"]), None),
    }
    records = []
    for purpose, (granted, version) in states.items():
        state = {
            "purpose": purpose,
            "granted": granted,
            "version": version,
            "updated_at": at,
            "source": "registration",
        }
        records.append({"sk": f"CONSENT#{purpose}", **state})
        records.append({"sk": f"CONSENT#{purpose}#{at}", **state})
    return records
