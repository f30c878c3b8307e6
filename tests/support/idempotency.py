"""Idempotency records lost, as when Powertools could not complete them after the change."""

from __future__ import annotations

import boto3

from tests.support.deployed import Deployed


def forget_answers(aws: Deployed, function: str) -> None:
    """The function's idempotency records gone, as if none had been completed: a retry with the
    same key runs the route again."""
    dynamodb = boto3.client("dynamodb")
    table = aws.function(function).environment["IDEMPOTENCY_TABLE"]
    for item in dynamodb.scan(TableName=table, ProjectionExpression="id")["Items"]:
        dynamodb.delete_item(TableName=table, Key={"id": item["id"]})
