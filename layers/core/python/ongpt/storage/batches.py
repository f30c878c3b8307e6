"""Batch reads and writes to the end: DynamoDB may answer a ``BatchGetItem`` or ``BatchWriteItem``
with part of it left undone (``UnprocessedKeys``, ``UnprocessedItems``: a throttle, or a
response past 16 MB), which the SDK does not retry; they are sent again after growing, jittered
pauses (``ongpt.storage.retries``), ``TRIES`` calls in all, and what is still undone then is a
503 (``DependencyUnavailable``), never a partial answer taken for the whole.
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html,
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ongpt.platform.errors import DependencyUnavailable
from ongpt.storage.retries import TRIES, backoff

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import KeysAndAttributesTypeDef, WriteRequestTypeDef


def get_all(
    dynamodb: DynamoDBClient,
    requested: Mapping[str, KeysAndAttributesTypeDef],
) -> dict[str, list[dict[str, Any]]]:
    """Every item found of the keys ``requested`` (at most 100), by table, as DynamoDB stores
    them; ``DependencyUnavailable`` if some keys are still unprocessed after the retries."""
    found: dict[str, list[dict[str, Any]]] = {table: [] for table in requested}

    def send(pending: Any) -> Any:
        answer = dynamodb.batch_get_item(RequestItems=pending)
        for table, items in answer.get("Responses", {}).items():
            found[table] += items
        return answer.get("UnprocessedKeys")

    _to_the_end(send, requested)
    return found


def write_all(
    dynamodb: DynamoDBClient, requested: Mapping[str, Sequence[WriteRequestTypeDef]]
) -> None:
    """Every write ``requested`` (at most 25); ``DependencyUnavailable`` if some are still
    unprocessed after the retries."""
    _to_the_end(
        lambda pending: dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems"),
        requested,
    )


def _to_the_end(send: Callable[[Any], Any], pending: Any) -> None:
    """``send(pending)`` answers what it left undone; that is sent again until nothing is."""
    for attempt in range(TRIES):
        pending = send(pending)
        if not pending:
            return
        if attempt < TRIES - 1:
            time.sleep(backoff(attempt))
    raise DependencyUnavailable("Please try again shortly.")
