"""Erasure's checks, shared by the in-process and the end-to-end tests: an account put into its
grace period (as the lifecycle area's closure does), a legal hold, and what a copy of the tables
still opens."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError


def close(dynamodb: Any, table: str, customer_id: str, erase_after: datetime) -> None:
    """The closure state, written straight to the profile: ``CLOSING`` in the ``by-status``
    partition of accounts in their grace period, erasable after ``erase_after``."""
    dynamodb.update_item(
        TableName=table,
        Key={"pk": {"S": f"CUSTOMER#{customer_id}"}, "sk": {"S": "PROFILE"}},
        UpdateExpression="SET #status = :closing, status_key = :key, erase_after = :after",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={
            ":closing": {"S": "CLOSING"},
            ":key": {"S": "CUSTOMER#CLOSING"},
            ":after": {"S": erase_after.strftime("%Y-%m-%dT%H:%M:%SZ")},
        },
    )


def hold(dynamodb: Any, table: str, customer_id: str, status: str = "ACTIVE") -> None:
    """A legal hold on the customer (``ACTIVE``, or ``RELEASED``), as the lifecycle store keeps
    it (``ongpt.lifecycle.store``), without an ``until``."""
    dynamodb.put_item(
        TableName=table,
        Item={
            "pk": {"S": f"CUSTOMER#{customer_id}"},
            "sk": {"S": "HOLD#h1"},
            "hold_id": {"S": "h1"},
            "status": {"S": status},
            "created_at": {"S": "2026-01-01T00:00:00Z"},
        },
    )


TTL_ATTRIBUTES = ("expires_at_epoch", "expiration")
TTL_DELETION_DAYS = 2  # DynamoDB deletes an expired item typically within two days


def every_item(dynamodb: Any, at: datetime | None = None) -> dict[str, list[dict[str, Any]]]:
    """Every item of every table, by table (a test's view; the service never scans). At ``at``,
    not those whose TTL passed more than two days before: moto never deletes expired items,
    DynamoDB does (send counters and sign-ups live a day, a grace period 30)."""
    gone = (at - timedelta(days=TTL_DELETION_DAYS)).timestamp() if at else float("inf")
    return {
        name: [
            item
            for page in dynamodb.get_paginator("scan").paginate(TableName=name)
            for item in page["Items"]
            if not any(a in item and int(item[a]["N"]) < gone for a in TTL_ATTRIBUTES)
        ]
        for name in dynamodb.list_tables()["TableNames"]
    }


def dumped(tables: dict[str, list[dict[str, Any]]]) -> str:
    return json.dumps(tables, sort_keys=True, default=lambda b: bytes(b).hex())


def backed_up(tables: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """What a backup of the tables holds: every table but the key store (never backed up)."""
    return {name: items for name, items in tables.items() if "DataKeys" not in name}


def keys_that_open(kms: Any, tables: dict[str, list[dict[str, Any]]], customer_id: str) -> int:
    """How many values of the customer's items in ``tables`` KMS opens as their data key: with
    none, no value sealed under it can be opened, in the tables or in any copy of them. (A key is
    kept under its owner's id; only items naming the customer are tried, to keep this quick.)"""
    opened = 0
    for items in tables.values():
        for item in items:
            if customer_id not in json.dumps(item, default=str):
                continue
            for value in item.values():
                if "B" not in value:
                    continue
                try:
                    kms.decrypt(
                        CiphertextBlob=bytes(value["B"]),
                        EncryptionContext={"customer_id": customer_id},
                    )
                except ClientError:
                    continue
                opened += 1
    return opened
