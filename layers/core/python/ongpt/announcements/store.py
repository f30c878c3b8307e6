"""DynamoDB access for announcements: ``ANNOUNCEMENT#<id>`` / ``ANNOUNCEMENT``, with the fan-out's
progress on it: per shard of active customers, ``next_<shard>``, the cursor of the next page to
write (``START``, then a page's cursor, ``END`` once the shard is done), ``last_<shard>``, the
cursor of the page written last, and ``queued_<shard>``, the cursor of the page last queued;
``enqueued``, the notices written so far."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ongpt.platform import settings
from ongpt.platform.telemetry import tracer
from ongpt.storage.dynamo import (
    TransactionConflict,
    conditional_update,
    from_item,
    key,
    to_item,
    transact,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

START, END = "start", "end"  # a shard's first page, and a shard done


def _key(announcement_id: str) -> dict[str, Any]:
    return key(f"ANNOUNCEMENT#{announcement_id}", "ANNOUNCEMENT")


class AnnouncementStore:
    TABLE = settings.CUSTOMERS_TABLE  # the table it is built on (ongpt.services)

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db, self._table = dynamodb, table

    def adding(
        self, announcement_id: str, values: dict[str, Any], shards: int
    ) -> TransactWriteItemTypeDef:
        """The transaction item that adds the announcement, nothing yet written of its
        ``shards``; its condition fails if it exists."""
        progress = {f"next_{shard}": START for shard in range(shards)}
        return {
            "Put": {
                "TableName": self._table,
                "Item": {**_key(announcement_id), **to_item({**values, **progress, "enqueued": 0})},
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    @tracer.capture_method
    def get(self, announcement_id: str) -> dict[str, Any] | None:
        found = self._db.get_item(
            TableName=self._table, Key=_key(announcement_id), ConsistentRead=True
        ).get("Item")
        return from_item(found) if found else None

    @tracer.capture_method
    def write_page(
        self,
        announcement_id: str,
        shard: int,
        cursor: str,
        following: str,
        notices: Sequence[TransactWriteItemTypeDef],
    ) -> bool:
        """The page of ``shard`` at ``cursor`` written: its ``notices`` and the progress (the
        next page at ``following``, so many more enqueued) in one transaction, if that page is
        the shard's next; False if it is not (written before)."""
        progress: TransactWriteItemTypeDef = {
            "Update": {
                "TableName": self._table,
                "Key": _key(announcement_id),
                "UpdateExpression": "SET #next = :following, #last = :cursor ADD enqueued :count",
                "ConditionExpression": "#next = :cursor",
                "ExpressionAttributeNames": {"#next": f"next_{shard}", "#last": f"last_{shard}"},
                "ExpressionAttributeValues": to_item(
                    {":following": following, ":cursor": cursor, ":count": len(notices)}
                ),
            }
        }
        try:
            transact(self._db, [*notices, progress])
        except TransactionConflict as conflict:
            if len(notices) not in conflict.failed:
                raise  # a notice enqueued by something else than this page: never expected
            return False
        return True

    @tracer.capture_method
    def queued(self, announcement_id: str, shard: int, cursor: str) -> None:
        """Note that the page at ``cursor`` was queued, while it is still the shard's next."""
        conditional_update(
            self._db,
            TableName=self._table,
            Key=_key(announcement_id),
            UpdateExpression="SET #queued = :cursor",
            ConditionExpression="#next = :cursor",
            ExpressionAttributeNames={"#next": f"next_{shard}", "#queued": f"queued_{shard}"},
            ExpressionAttributeValues=to_item({":cursor": cursor}),
        )
