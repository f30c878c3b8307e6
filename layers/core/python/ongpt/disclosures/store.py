"""DynamoDB access for disclosures: ``CUSTOMER#<id>`` / ``DISCLOSURE#<time>#<id>``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ongpt.platform.telemetry import tracer
from ongpt.storage.dynamo import query_all, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient


class DisclosureStore:
    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db, self._table = dynamodb, table

    @tracer.capture_method
    def add(self, customer_id: str, record: dict[str, Any]) -> None:
        """A disclosure in its customer's partition, in the order it was recorded."""
        self._db.put_item(
            TableName=self._table,
            Item=to_item(
                {
                    "pk": f"CUSTOMER#{customer_id}",
                    "sk": f"DISCLOSURE#{record['recorded_at']}#{record['disclosure_id']}",
                    **record,
                }
            ),
        )

    @tracer.capture_method
    def of_customer(self, customer_id: str) -> list[dict[str, Any]]:
        return query_all(
            self._db,
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :d)",
            ExpressionAttributeValues=to_item(
                {":pk": f"CUSTOMER#{customer_id}", ":d": "DISCLOSURE#"}
            ),
        )
