"""DynamoDB access for notices: the log of notices sent to each customer
(``GET /v1/me/notifications``), and the send counters of ``ongpt.notify.send_limits`` in the
Registrations table (``LIMIT#<subject>#<window>#<start>``, each with its TTL)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ongpt.platform.pages import Page, PageRequest
from ongpt.platform.telemetry import tracer
from ongpt.storage.dynamo import (
    TransactionConflict,
    key,
    query_page,
    to_item,
    transact,
)
from ongpt.storage.tables import CUSTOMER

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


class NoticeStore:
    """What was sent to a customer (type, channel, time), never the message: codes stay secret."""

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db, self._table = dynamodb, table

    @tracer.capture_method
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

    def line(
        self, customer_id: str, kind: str, channel: str, at: str, notice_id: str
    ) -> TransactWriteItemTypeDef:
        """The history line of an outbox notice sent at ``at``, for the transaction that marks
        it sent."""
        return {
            "Put": {
                "TableName": self._table,
                "Item": to_item(
                    {
                        "pk": CUSTOMER.format(customer_id),
                        "sk": f"NOTICE#{at}#{notice_id}",
                        "type": kind,
                        "channel": channel,
                        "sent_at": at,
                    }
                ),
            }
        }

    @tracer.capture_method
    def forget(self, customer_id: str, entry: str) -> None:
        self._db.delete_item(TableName=self._table, Key=key(CUSTOMER.format(customer_id), entry))

    @tracer.capture_method
    def of_customer(self, customer_id: str, page: PageRequest) -> Page[dict[str, Any]]:
        """A page of what was sent to the customer, oldest first (``NOTICE#<time>#<id>``)."""
        found = query_page(
            self._db,
            page,
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :notice)",
            ExpressionAttributeValues=to_item(
                {":pk": CUSTOMER.format(customer_id), ":notice": "NOTICE#"}
            ),
        )
        return found.map(lambda item: {k: item[k] for k in ("type", "channel", "sent_at")})


@dataclass(frozen=True)
class Counter:
    """One window's count of sends to a subject: at most ``limit``, gone after ``expires_at``
    (epoch seconds)."""

    name: str
    limit: int
    expires_at: int


class SendCounters:
    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db, self._table = dynamodb, table

    @tracer.capture_method
    def take(self, counters: list[Counter]) -> bool:
        """One more on every counter, all in one transaction, unless one is at its limit; whether
        they were counted."""
        try:
            transact(self._db, self.counting(counters))
        except TransactionConflict:
            return False
        return True

    def counting(self, counters: list[Counter]) -> list[TransactWriteItemTypeDef]:
        """The transaction items that count one more on every counter; each fails its condition
        at its limit."""
        return [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": key(f"LIMIT#{counter.name}"),
                    "UpdateExpression": "ADD #count :one SET #expires = :expires",
                    "ConditionExpression": "attribute_not_exists(#count) OR #count < :limit",
                    "ExpressionAttributeNames": {"#count": "count", "#expires": "expires_at_epoch"},
                    "ExpressionAttributeValues": to_item(
                        {":one": 1, ":limit": counter.limit, ":expires": counter.expires_at}
                    ),
                }
            }
            for counter in counters
        ]
