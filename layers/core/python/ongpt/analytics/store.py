"""DynamoDB access for analytics: ``DAY#<YYYY-MM-DD>#<shard>`` / ``<time>#<id>`` in the analytics
table, the shard drawn from the event's id (a digest, ``ongpt.analytics.service.event_id``) so
that a busy day is not one hot partition and a retry writes the same items again."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ongpt.platform.telemetry import tracer
from ongpt.storage.batches import write_all
from ongpt.storage.dynamo import to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import WriteRequestTypeDef

SHARDS = 8


class AnalyticsStore:
    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db, self._table = dynamodb, table

    @tracer.capture_method
    def add_all(self, events: list[dict[str, Any]]) -> None:
        """Every event (``event_id`` and ``visited_at`` among its values). An event stored before
        is written again, the same item. What DynamoDB leaves unprocessed is sent again
        (``ongpt.storage.batches``); what is still unprocessed then is a 503, which the client
        retries with its ``Idempotency-Key`` (its events keep their ids: nothing stored twice)."""
        requests: list[WriteRequestTypeDef] = []
        for event in events:
            values = dict(event)
            visited, event_id = values["visited_at"], values.pop("event_id")
            shard = int(event_id, 16) % SHARDS
            item = {"pk": f"DAY#{visited[:10]}#{shard}", "sk": f"{visited}#{event_id}"}
            requests.append({"PutRequest": {"Item": to_item({**item, **values})}})
        write_all(self._db, {self._table: requests})
