"""DynamoDB access for announcements: ``ANNOUNCEMENT#<id>`` / ``ANNOUNCEMENT``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ongpt.platform.telemetry import tracer
from ongpt.storage.dynamo import from_item, key, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient


def _key(announcement_id: str) -> dict[str, Any]:
    return key(f"ANNOUNCEMENT#{announcement_id}", "ANNOUNCEMENT")


class AnnouncementStore:
    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db, self._table = dynamodb, table

    @tracer.capture_method
    def add(self, announcement_id: str, values: dict[str, Any]) -> None:
        self._db.put_item(TableName=self._table, Item={**_key(announcement_id), **to_item(values)})

    @tracer.capture_method
    def get(self, announcement_id: str) -> dict[str, Any] | None:
        found = self._db.get_item(TableName=self._table, Key=_key(announcement_id)).get("Item")
        return from_item(found) if found else None
