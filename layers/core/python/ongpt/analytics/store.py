"""DynamoDB access for analytics: ``DAY#<YYYY-MM-DD>#<shard>`` / ``<time>#<id>`` in the analytics
table, the shard drawn from the event's id (a digest, ``ongpt.analytics.service.event_id``) so
that a busy day is not one hot partition and a retry writes the same items again."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ongpt.platform import settings
from ongpt.platform.errors import DependencyUnavailable
from ongpt.platform.telemetry import tracer
from ongpt.storage.dynamo import to_item
from ongpt.storage.retries import TRIES, backoff

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import WriteRequestOutputTypeDef, WriteRequestTypeDef

SHARDS = 8


class AnalyticsStore:
    TABLE = settings.ANALYTICS_TABLE  # the table it is built on (ongpt.services)

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db, self._table = dynamodb, table

    @tracer.capture_method
    def add_all(self, events: list[dict[str, Any]]) -> None:
        """Every event (``event_id`` and ``visited_at`` among its values). An event stored before
        is written again, the same item. DynamoDB may leave some of a batch unprocessed (a
        throttle): those are sent again after a jittered, growing pause, ``TRIES`` batches in
        all; what is still unprocessed then is a 503, which the client retries with its
        ``Idempotency-Key`` (its events keep their ids, so nothing is stored twice)."""
        requests: list[WriteRequestTypeDef] = []
        for event in events:
            values = dict(event)
            visited, event_id = values["visited_at"], values.pop("event_id")
            shard = int(event_id, 16) % SHARDS
            item = {"pk": f"DAY#{visited[:10]}#{shard}", "sk": f"{visited}#{event_id}"}
            requests.append({"PutRequest": {"Item": to_item({**item, **values})}})
        pending: Mapping[str, Sequence[WriteRequestTypeDef | WriteRequestOutputTypeDef]] = {
            self._table: requests
        }
        for attempt in range(TRIES):
            pending = self._db.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not pending:
                return
            if attempt < TRIES - 1:
                time.sleep(backoff(attempt))
        raise DependencyUnavailable("Please try again shortly.")
