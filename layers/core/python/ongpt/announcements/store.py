"""DynamoDB access for announcements: ``ANNOUNCEMENT#<id>`` / ``ANNOUNCEMENT``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ongpt.platform import settings
from ongpt.platform.telemetry import tracer
from ongpt.storage.dynamo import from_item, key, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


def _key(announcement_id: str) -> dict[str, Any]:
    return key(f"ANNOUNCEMENT#{announcement_id}", "ANNOUNCEMENT")


class AnnouncementStore:
    TABLE = settings.CUSTOMERS_TABLE  # the table it is built on (ongpt.services)

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db, self._table = dynamodb, table

    def adding(self, announcement_id: str, values: dict[str, Any]) -> TransactWriteItemTypeDef:
        """The transaction item that adds the announcement; its condition fails if it exists."""
        return {
            "Put": {
                "TableName": self._table,
                "Item": {**_key(announcement_id), **to_item(values)},
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    @tracer.capture_method
    def get(self, announcement_id: str) -> dict[str, Any] | None:
        found = self._db.get_item(
            TableName=self._table, Key=_key(announcement_id), ConsistentRead=True
        ).get("Item")
        return from_item(found) if found else None
