"""DynamoDB access for disclosures: ``CUSTOMER#<id>`` / ``DISCLOSURE#<id>``. The key holds only
the id (the request's ``retry_id``), never the time it was recorded, so that a retry of a
request whose first attempt committed finds that disclosure instead of adding a second."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ongpt.platform import settings
from ongpt.platform.telemetry import tracer
from ongpt.storage.dynamo import query_all, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


class DisclosureStore:
    TABLE = settings.CUSTOMERS_TABLE  # the table it is built on (ongpt.services)

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db, self._table = dynamodb, table

    def adding(self, customer_id: str, record: dict[str, Any]) -> TransactWriteItemTypeDef:
        """The transaction item of a new disclosure in its customer's partition (for the
        transaction of its audit entry)."""
        return {
            "Put": {
                "TableName": self._table,
                "Item": to_item(
                    {
                        "pk": f"CUSTOMER#{customer_id}",
                        "sk": f"DISCLOSURE#{record['disclosure_id']}",
                        **record,
                    }
                ),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    @tracer.capture_method
    def recorded(self, customer_id: str, disclosure_id: str) -> bool:
        """Whether the disclosure ``disclosure_id`` of the customer is recorded."""
        found = self._db.get_item(
            TableName=self._table,
            Key=to_item({"pk": f"CUSTOMER#{customer_id}", "sk": f"DISCLOSURE#{disclosure_id}"}),
            ProjectionExpression="pk",
            ConsistentRead=True,
        )
        return "Item" in found

    @tracer.capture_method
    def of_customer(self, customer_id: str) -> list[dict[str, Any]]:
        """The customer's disclosures, in the order they were recorded."""
        found = query_all(
            self._db,
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :d)",
            ExpressionAttributeValues=to_item(
                {":pk": f"CUSTOMER#{customer_id}", ":d": "DISCLOSURE#"}
            ),
        )
        return sorted(found, key=lambda disclosure: str(disclosure["recorded_at"]))
