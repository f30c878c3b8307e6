"""DynamoDB access for announcements: ``ANNOUNCEMENT#<id>`` / ``ANNOUNCEMENT``, and the fan-out's
progress, one item per shard of active customers, ``ANNOUNCEMENT#<id>`` / ``SHARD#<shard>``
(absent until its first page is written): ``next``, the cursor of the next page to write (``END``
once the shard is done), ``last``, the cursor of the page written last, ``queued``, the cursor of
the page last queued, and ``enqueued``, the notices written so far. One item a shard, so pages of
different shards written at the same moment never meet on an item: DynamoDB cancels a transaction
that meets another on an item
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-conflict-handling)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ongpt.platform.telemetry import tracer
from ongpt.storage.dynamo import (
    TransactionConflict,
    batch_get,
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
# NEXT is a reserved word: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ReservedWords.html
NEXT = {"#next": "next"}


def _key(announcement_id: str) -> dict[str, Any]:
    return key(f"ANNOUNCEMENT#{announcement_id}", "ANNOUNCEMENT")


def shard_key(announcement_id: str, shard: int) -> dict[str, Any]:
    """The key of the progress of one shard of the announcement's fan-out."""
    return key(f"ANNOUNCEMENT#{announcement_id}", f"SHARD#{shard}")


def _next_is(cursor: str) -> str:
    """The condition that the page at ``cursor`` (``#next``) is the shard's next."""
    return "attribute_not_exists(#next)" if cursor == START else "#next = :cursor"


class AnnouncementStore:
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

    @tracer.capture_method
    def shard(self, announcement_id: str, shard: int) -> dict[str, Any]:
        """The progress of one shard (``next`` ``START`` if none of it is written yet)."""
        found = self._db.get_item(
            TableName=self._table, Key=shard_key(announcement_id, shard), ConsistentRead=True
        ).get("Item")
        return from_item(found) if found else {"next": START}

    @tracer.capture_method
    def shards(self, announcement_id: str, shards: int) -> list[dict[str, Any]]:
        """The progress of every shard that has a page written: one BatchGetItem."""
        keys = [shard_key(announcement_id, shard) for shard in range(shards)]
        return batch_get(self._db, self._table, keys)

    def writing_page(
        self, announcement_id: str, shard: int, cursor: str, following: str, notices: int
    ) -> TransactWriteItemTypeDef:
        """The transaction item that records the page of ``shard`` at ``cursor`` written (the
        next at ``following``, ``notices`` more enqueued), if that page is the shard's next."""
        return {
            "Update": {
                "TableName": self._table,
                "Key": shard_key(announcement_id, shard),
                "UpdateExpression": "SET #next = :following, #last = :cursor ADD enqueued :count",
                "ConditionExpression": _next_is(cursor),
                "ExpressionAttributeNames": {**NEXT, "#last": "last"},
                "ExpressionAttributeValues": to_item(
                    {":following": following, ":cursor": cursor, ":count": notices}
                ),
            }
        }

    @tracer.capture_method
    def write_page(
        self,
        announcement_id: str,
        shard: int,
        cursor: str,
        following: str,
        notices: Sequence[TransactWriteItemTypeDef],
    ) -> bool:
        """The page of ``shard`` at ``cursor`` written: its ``notices`` and its progress in one
        transaction, if that page is the shard's next; False if it is not (written before)."""
        progress = self.writing_page(announcement_id, shard, cursor, following, len(notices))
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
            Key=shard_key(announcement_id, shard),
            UpdateExpression="SET queued = :cursor",
            ConditionExpression="#next = :cursor",
            ExpressionAttributeNames=NEXT,
            ExpressionAttributeValues=to_item({":cursor": cursor}),
        )
