"""DynamoDB access for disclosures: ``CUSTOMER#<id>`` / ``DISCLOSURE#<id>``. The key holds only
the id (the request's ``retry_id``), never the time it was recorded, so that a retry of a
request whose first attempt committed finds that disclosure instead of adding a second; so the
customer's list comes in the order of ids, a page at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ongpt.platform.pages import Page, PageRequest
from ongpt.platform.telemetry import tracer
from ongpt.storage.dynamo import query_page, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


class DisclosureStore:
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
    def visible(self, customer_id: str, at: str, page: PageRequest) -> Page[dict[str, Any]]:
        """A page of the customer's disclosures, by id, but those confidential at ``at`` (an
        authority's order runs until ``confidential_until``). The filter is DynamoDB's, so a page
        may come back short (``query_page``)."""
        return query_page(
            self._db,
            page,
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :d)",
            FilterExpression="attribute_not_exists(#until) OR #until <= :at",
            ExpressionAttributeNames={"#until": "confidential_until"},
            ExpressionAttributeValues=to_item(
                {":pk": f"CUSTOMER#{customer_id}", ":d": "DISCLOSURE#", ":at": at}
            ),
        )
