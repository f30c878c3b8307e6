"""Marker items that make a piece of work (a message) happen once across retries: claimed with a
conditional put before the work, released when the work fails so that the retry does it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from botocore.exceptions import ClientError

from ongpt.storage.dynamo import key

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

T = TypeVar("T")


@dataclass
class Markers:
    dynamodb: DynamoDBClient
    table: str

    def once(self, pk: str, sk: str, work: Callable[[], T]) -> T | None:
        """``work()`` unless the marker ``(pk, sk)`` says it was done; ``None`` when it was."""
        try:
            self.dynamodb.put_item(
                TableName=self.table,
                Item=key(pk, sk),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return None
            raise
        try:
            return work()
        except BaseException:
            self.dynamodb.delete_item(TableName=self.table, Key=key(pk, sk))
            raise
