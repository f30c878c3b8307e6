"""DynamoDB access for consents, in the customer's partition: ``CUSTOMER#<id>`` /
``CONSENT#<purpose>`` (the current state) and ``CONSENT#<purpose>#<time>`` (its history,
append-only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ongpt.platform import settings
from ongpt.platform.telemetry import tracer
from ongpt.storage.dynamo import query_all, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


def _partition(customer_id: str) -> str:
    return f"CUSTOMER#{customer_id}"


class ConsentStore:
    TABLE = settings.CUSTOMERS_TABLE  # the table it is built on (ongpt.services)

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
    def history(self, customer_id: str) -> list[dict[str, Any]]:
        """Every change, oldest first (``CONSENT#<purpose>#<time>``)."""
        changes = [i for i in self._consent_items(customer_id) if i["sk"].count("#") == 2]
        fields = ("purpose", "granted", "version", "updated_at", "source")
        return sorted(
            ({k: c.get(k) for k in fields} for c in changes), key=lambda c: str(c["updated_at"])
        )

    def change(self, customer_id: str, state: dict[str, Any]) -> list[TransactWriteItemTypeDef]:
        """The transaction items of a consent's new state and its history entry, for the
        transaction of its audit entry (and of what else the write changes, e.g. a closure)."""
        pk = _partition(customer_id)
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
