"""The scale tier's machinery at its smallest size (``make scale`` runs 10,000 and 100,000 too):
1,000 customers loaded, each kind of invocation measured on its sample, none estimated past half
its function's timeout; and the meter reads what DynamoDB read, what was written, and none of
moto's time."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import boto3
import pytest
from moto.dynamodb.models import DynamoDBBackend

from tests.bench.meter import Meter
from tests.bench.scale import JOBS, LISTS, Measured, measure_in, too_long
from tests.support.deployed import Deployed

CUSTOMERS = 1_000
SHARDS = 2  # of the fan-out's 16, measured here (every one by make scale): the suite's time


@pytest.fixture(scope="module")
def measured(aws: Deployed) -> list[Measured]:
    return measure_in(aws, CUSTOMERS, SHARDS)


def test_each_kind_is_measured_on_its_first_middle_and_last_page(measured: list[Measured]) -> None:
    by_kind = Counter(m.kind for m in measured)
    for listed in LISTS:
        assert by_kind[f"GET {listed.path}"] == 3, listed.path
    assert by_kind["announcement_worker: a page of a shard"] == SHARDS * 3
    assert by_kind["POST /v1/staff/announcements"] == 1
    assert all(by_kind[f"{job} job"] >= 1 for job in JOBS)


def test_no_invocation_is_estimated_past_half_its_timeout(measured: list[Measured]) -> None:
    assert too_long(measured) == []


def test_a_staff_queue_page_reads_its_page_and_opens_each_of_its_items(
    measured: list[Measured],
) -> None:
    limit = next(listed.limit for listed in LISTS if listed.path == "/v1/staff/complaints")
    first = next(m for m in measured if m.kind == "GET /v1/staff/complaints")
    assert first.figures.calls["kms.Decrypt"] == limit  # each complaint's own key
    assert first.figures.read >= limit + 1  # the page and one more, then each complaint's key


def meter_table(aws: Deployed) -> str:
    return aws.function("me").environment["CUSTOMERS_TABLE"]


def test_the_meter_counts_what_a_query_read_not_what_its_filter_kept(aws: Deployed) -> None:
    dynamodb, table = boto3.client("dynamodb"), meter_table(aws)
    for n in range(3):
        queued = {"status_key": {"S": "METER#QUEUE"}, "created_at": {"S": f"2026-01-0{n + 1}"}}
        dynamodb.put_item(
            TableName=table, Item={"pk": {"S": f"METER#{n}"}, "sk": {"S": "ONE"}} | queued
        )
    meter = Meter()
    try:
        with meter.measuring(512) as figures:
            answer = boto3.client("dynamodb").query(
                TableName=table,
                IndexName="by-status",
                KeyConditionExpression="status_key = :queue",
                FilterExpression="category = :none",
                ExpressionAttributeValues={":queue": {"S": "METER#QUEUE"}, ":none": {"S": "-"}},
            )
    finally:
        meter.close()
    assert answer["Count"] == 0
    assert figures[0].read == answer["ScannedCount"] == 3
    assert figures[0].calls == Counter({"dynamodb.Query": 1})


def test_the_meter_counts_the_writes_of_a_transaction_but_its_checks(aws: Deployed) -> None:
    table = meter_table(aws)
    put = {"Put": {"TableName": table, "Item": {"pk": {"S": "METER"}, "sk": {"S": "ONE"}}}}
    check = {
        "ConditionCheck": {
            "TableName": table,
            "Key": {"pk": {"S": "METER"}, "sk": {"S": "NONE"}},
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }
    two = {"Put": {"TableName": table, "Item": {"pk": {"S": "METER"}, "sk": {"S": "TWO"}}}}
    meter = Meter()
    try:
        with meter.measuring(512) as figures:
            items: list[Any] = [check, put, two]
            boto3.client("dynamodb").transact_write_items(TransactItems=items)
    finally:
        meter.close()
    assert figures[0].written == 2
    assert figures[0].returned > 0


def test_the_meter_leaves_out_the_time_spent_in_a_call(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """moto answers in this process: its CPU time is not the function's."""
    served = DynamoDBBackend.get_item

    def slow(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
        busy = time.process_time() + 0.3
        while time.process_time() < busy:
            pass
        return served(self, *args, **kwargs)

    monkeypatch.setattr(DynamoDBBackend, "get_item", slow)
    meter = Meter()
    try:
        with meter.measuring(1769) as figures:
            boto3.client("dynamodb").get_item(
                TableName=meter_table(aws), Key={"pk": {"S": "METER"}, "sk": {"S": "NONE"}}
            )
    finally:
        meter.close()
    assert figures[0].cpu_seconds < 0.15
    assert figures[0].estimated_seconds < 0.15 + 0.010
