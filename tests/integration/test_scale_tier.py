"""The scale tier's machinery at its smallest size (``make scale`` runs 10,000 and 100,000 too):
1,000 customers loaded, the first page of each list and of one shard of the fan-out and the
first invocation of each job measured, none estimated past half its function's timeout; and the
meter reads what DynamoDB read, what was written, none of moto's time, and waits for work done
at once as the threads doing it would."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import boto3
import pytest
from moto.dynamodb.models import DynamoDBBackend

from ongpt.platform import concurrency
from tests.bench.meter import LATENCY_MS, Meter
from tests.bench.scale import JOBS, LISTS, Measured, measure_in, too_long
from tests.support.deployed import Deployed

CUSTOMERS = 1_000
SHARDS = 1  # of the fan-out's 16, measured here (every one by make scale): the suite's time
QUEUES = ("/v1/staff/complaints", "/v1/staff/edit-requests")


@pytest.fixture(scope="module")
def measured(aws: Deployed) -> list[Measured]:
    return measure_in(aws, CUSTOMERS, SHARDS, first_only=True)


def test_each_kind_is_measured_on_its_first_page_or_invocation(measured: list[Measured]) -> None:
    by_kind = Counter(m.kind for m in measured)
    assert {listed.kind: by_kind[listed.kind] for listed in LISTS} == {
        listed.kind: 1 for listed in LISTS
    }
    assert by_kind["announcement_worker: a page of a shard"] == SHARDS
    assert by_kind["POST /v1/staff/announcements"] == 1
    assert {job: by_kind[f"{job} job"] for job in JOBS} == dict.fromkeys(JOBS, 1)


def test_no_invocation_is_estimated_past_half_its_timeout(measured: list[Measured]) -> None:
    assert too_long(measured) == []


@pytest.mark.parametrize("path", QUEUES)
def test_a_staff_queue_page_of_100_reads_in_batches_and_opens_its_keys_a_few_at_once(
    measured: list[Measured], path: str
) -> None:
    """Its items' keys (and an edit request's profiles) in one batch, a Decrypt for each key
    not cached yet, an audit append for each item, the calls made a few at once: waited for a
    tenth of the timeout."""
    page = next(m for m in measured if m.kind == f"GET {path} (limit 100)")
    calls = page.figures.calls
    assert calls["dynamodb.GetItem"] == 0
    assert calls["dynamodb.BatchGetItem"] == (2 if path.endswith("edit-requests") else 1)
    assert 0 < calls["kms.Decrypt"] <= 100
    assert calls["kms.GenerateMac"] == calls["dynamodb.PutItem"] == 100
    assert page.figures.waited_seconds <= page.timeout_seconds / 10


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


def test_the_meter_waits_for_work_done_at_once_as_its_threads_share_it(aws: Deployed) -> None:
    """17 reads: 16 of them at once, on 8 threads (two each, one after the other), then one."""
    table, meter = meter_table(aws), Meter()
    dynamodb = boto3.client("dynamodb")  # on the meter's session

    def read(_: int) -> None:
        dynamodb.get_item(TableName=table, Key={"pk": {"S": "METER"}, "sk": {"S": "NONE"}})

    try:
        with meter.measuring(512) as figures:
            concurrency.each(read, range(2 * concurrency.WORKERS))
            read(0)
    finally:
        meter.close()
    assert figures[0].calls == Counter({"dynamodb.GetItem": 17})
    assert figures[0].waited_seconds == pytest.approx(3 * LATENCY_MS["dynamodb"] / 1000)


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
