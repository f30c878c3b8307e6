"""The log of notices sent to each customer (``GET /v1/me/notifications``)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from ongpt.customers.store import CUSTOMER
from ongpt.storage.dynamo import (
    key,
    query_all,
    to_item,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient


class NoticeLog:
    """What was sent to a customer (type, channel, time), never the message: codes stay secret."""

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db, self._table = dynamodb, table

    def record(self, customer_id: str, kind: str, channel: str, at: str) -> str:
        """Write one line of the history; its sort key, to ``forget`` it by."""
        entry = f"NOTICE#{at}#{uuid.uuid4()}"
        self._db.put_item(
            TableName=self._table,
            Item=to_item(
                {
                    "pk": CUSTOMER.format(customer_id),
                    "sk": entry,
                    "type": kind,
                    "channel": channel,
                    "sent_at": at,
                }
            ),
        )
        return entry

    def forget(self, customer_id: str, entry: str) -> None:
        self._db.delete_item(TableName=self._table, Key=key(CUSTOMER.format(customer_id), entry))

    def of_customer(self, customer_id: str) -> list[dict[str, Any]]:
        found = query_all(
            self._db,
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :notice)",
            ExpressionAttributeValues=to_item(
                {":pk": CUSTOMER.format(customer_id), ":notice": "NOTICE#"}
            ),
        )
        return [{k: item[k] for k in ("type", "channel", "sent_at")} for item in found]
