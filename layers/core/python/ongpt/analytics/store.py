"""DynamoDB access for analytics: ``DAY#<YYYY-MM-DD>#<shard>`` / ``<time>#<id>`` in the analytics
table, a random shard per event so that a busy day is not one hot partition."""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ongpt.platform import settings
from ongpt.platform.telemetry import tracer
from ongpt.storage.dynamo import to_item

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
        """Every event (``visited_at`` among its values), unprocessed ones retried until stored."""
        requests: list[WriteRequestTypeDef] = []
        for event in events:
            visited = event["visited_at"]
            shard = random.randrange(SHARDS)  # noqa: S311 - spreads writes, not a secret
            item = {"pk": f"DAY#{visited[:10]}#{shard}", "sk": f"{visited}#{uuid.uuid4()}"}
            requests.append({"PutRequest": {"Item": to_item({**item, **event})}})
        pending: Mapping[str, Sequence[WriteRequestTypeDef | WriteRequestOutputTypeDef]] = {
            self._table: requests
        }
        while pending:
            pending = self._db.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
