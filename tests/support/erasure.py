"""Erasure's checks, shared by the in-process and the end-to-end tests: an account put into its
grace period (as the lifecycle area's closure does), a legal hold, and what a copy of the tables
still opens."""

from __future__ import annotations

import json
from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from ongpt.security.crypto import FORMAT, TamperedCiphertext, unseal
from ongpt.storage.tables import ALL_TABLES, JOBS


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


Tables = dict[str, list[dict[str, Any]]]  # every item of every table, by table
TTL_ATTRIBUTES = ("expires_at_epoch", "expiration")
TTL_DELETION_DAYS = 2  # DynamoDB deletes an expired item typically within two days


def every_item(dynamodb: Any, at: datetime | None = None) -> Tables:
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


def without_job_runs(tables: Tables) -> Tables:
    """``tables`` but the jobs' runs (``ongpt.jobs``): a job's own checkpoint, which each of its
    runs writes again, whatever it finds to do."""
    return {name: items for name, items in tables.items() if JOBS.construct_id not in name}


def dumped(tables: Tables) -> str:
    return json.dumps(tables, sort_keys=True, default=lambda b: bytes(b).hex())


def backed_up(tables: Tables) -> Tables:
    """What a backup of the tables holds: every table but those never backed up (the key store,
    the address guards, the sign-ups)."""
    kept_out = [spec.construct_id for spec in ALL_TABLES if not spec.backed_up]
    return {
        name: items
        for name, items in tables.items()
        if not any(construct_id in name for construct_id in kept_out)
    }


def complaints_of(tables: Tables, customer_id: str) -> list[dict[str, Any]]:
    """The customer's complaint items in ``tables`` (as ``ongpt.complaints.store`` keeps them)."""
    return [
        item
        for items in tables.values()
        for item in items
        if item.get("sk") == {"S": "COMPLAINT"} and item.get("customer_id") == {"S": customer_id}
    ]


def owners(tables: Tables, customer_id: str) -> list[dict[str, str]]:
    """The encryption contexts of the customer's data keys: their own, and each of their
    complaints' (a complaint is sealed under a key of its own)."""
    complaints = sorted(item["complaint_id"]["S"] for item in complaints_of(tables, customer_id))
    return [{"customer_id": customer_id}, *({"complaint_id": c} for c in complaints)]


def data_keys(kms: Any, tables: Tables, owner: dict[str, str]) -> list[bytes]:
    """The data keys of ``owner`` (an encryption context) that ``tables`` hold: the values of the
    items naming the owner that KMS opens under its context. (A key is kept under its owner's id;
    only items naming it are tried, to keep this quick.)"""
    (owner_id,) = owner.values()
    found = []
    for items in tables.values():
        for item in items:
            if owner_id not in json.dumps(item, default=str):
                continue
            for value in item.values():
                if "B" not in value:
                    continue
                try:
                    opened = kms.decrypt(CiphertextBlob=bytes(value["B"]), EncryptionContext=owner)
                except ClientError:
                    continue
                found.append(opened["Plaintext"])
    return found


def keys_that_open(kms: Any, tables: Tables, customer_id: str) -> int:
    """How many values in ``tables`` KMS opens as a data key of the customer or of one of their
    complaints: with none, no value sealed under them can be opened, in the tables or in any copy
    of them."""
    return sum(len(data_keys(kms, tables, owner)) for owner in owners(tables, customer_id))


def complaint_fields_that_open(kms: Any, tables: Tables, complaint: dict[str, Any]) -> list[str]:
    """The sealed fields of ``complaint`` (an item, e.g. from a copy taken before an erasure) that
    open with a data key found in ``tables``, as the service opens them."""
    complaint_id = complaint["complaint_id"]["S"]
    keys = data_keys(kms, tables, {"complaint_id": complaint_id})
    opened = []
    for name, value in complaint.items():
        if not value.get("S", "").startswith(f"{FORMAT}:"):
            continue
        for key in keys:
            with suppress(TamperedCiphertext):
                unseal(key, complaint_id, name, value["S"])
                opened.append(name)
                break
    return sorted(opened)
