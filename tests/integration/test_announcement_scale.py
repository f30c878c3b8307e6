"""Announcements to 10,000 customers (issue 27, item 2): the post reads counters, never the
customers; the fan-out writes a page at a time, each message's work bounded whatever the number
of customers; every message delivered twice (SQS delivers at least once) enqueues nothing twice;
and consents are honoured as each page is written: a customer who withdraws before their page is
written gets no notice, one whose page was written before keeps theirs (the delivery worker checks
again as it sends: ``tests/integration/test_announcements.py``).

The customers are loaded straight into the tables (``tests.support.scale``); the notices are
counted in the outbox, not delivered (delivering 10,000 through moto would take minutes, and each
notice's delivery is the same as in the small tests). The suite runs 400 customers in pages
of 10 (two or three pages a shard); 10,000 (about a minute here) is the scale tier's:
``SCALE=1 pytest -m scale``."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient

from local import chaos
from ongpt import services
from ongpt.announcements import service as announcement_module
from ongpt.announcements.models import PageMessage
from ongpt.announcements.service import PAGE, Announcements
from ongpt.consents.service import COUNTED
from ongpt.customers.store import ACTIVE_SHARDS
from tests.support.deployed import Deployed, customer, staff
from tests.support.events import sqs_event
from tests.support.jobs import work
from tests.support.scale import load_customers

# customers, and customers a page (the suite's size in smaller pages, so that it has several)
SIZES = [(400, 10), pytest.param(10_000, PAGE, marks=pytest.mark.scale)]
WITHDRAWING = 15  # customers whose notice is written, and as many whose is not, who withdraw
# Each page message's AWS calls, at most, whatever the number of customers: the announcement
# (read again if the page was written meanwhile), one index page, one batch of consents, one
# transaction, the next page queued and noted so.
PAGE_CALLS = Counter(
    {
        "GetItem": 2,
        "Query by-status": 1,
        "BatchGetItem": 1,
        "TransactWriteItems": 1,
        "SendMessageBatch": 1,
        "UpdateItem": 1,
    }
)


@contextmanager
def recorded() -> Iterator[list[str]]:
    """The AWS calls made in the block, in order: each operation, and the index it queried."""
    calls: list[str] = []
    original = BaseClient.__dict__["_make_api_call"]  # not in the stubs

    def recording(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        calls.append(f"{operation} {params['IndexName']}" if "IndexName" in params else operation)
        return original(self, operation, params)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BaseClient, "_make_api_call", recording)
        yield calls


@contextmanager
def per_message() -> Iterator[list[Counter[str]]]:
    """The AWS calls the fan-out made for each page message handled in the block."""
    counted: list[Counter[str]] = []
    original = Announcements.deliver

    def deliver(self: Announcements, message: PageMessage) -> int:
        with recorded() as calls:
            enqueued = original(self, message)
        counted.append(Counter(calls))
        return enqueued

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Announcements, "deliver", deliver)
        yield counted


def outbox_notices(aws: Deployed, announcement_id: str) -> Counter[str]:
    """How many of the announcement's notices the outbox holds, by customer."""
    table = aws.function("announcement_worker").environment["OUTBOX_TABLE"]
    found: Counter[str] = Counter()
    for page in boto3.client("dynamodb").get_paginator("scan").paginate(TableName=table):
        for item in page["Items"]:
            if item.get("source", {}).get("S") == announcement_id:
                found[item["customer_id"]["S"]] += 1
    return found


def counts(aws: Deployed) -> dict[str, int]:
    """The counts of active customers and of those consenting to product updates."""
    with aws.environment_of("announcements"):
        return services.customer_store().counts()


def withdraw(aws: Deployed, customer_id: str) -> None:
    status, _ = aws.call(
        "me",
        "PUT",
        "/v1/me/consents/product_updates",
        body={"granted": False},
        identity=customer(customer_id),
        deliver=False,
    )
    assert status == 200


def progress(aws: Deployed, announcement_id: str) -> dict[str, Any]:
    status, answer = aws.call(
        "announcements",
        "GET",
        f"/v1/staff/announcements/{announcement_id}",
        identity=staff("Admin"),
        deliver=False,
    )
    assert status == 200
    return answer


@pytest.mark.clause("P3.3", "P3.4")
@pytest.mark.parametrize(("customers", "page"), SIZES)
def test_many_customers_each_get_one_notice_and_consent_counts_as_each_page_is_written(
    aws: Deployed,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    customers: int,
    page: int,
) -> None:
    monkeypatch.setattr(announcement_module, "PAGE", page)
    before = counts(aws)  # the customers this module's other tests made
    started = time.monotonic()
    ids = load_customers(aws, customers, consenting=lambda i: i % 4 != 0)
    consenting = {cid for i, cid in enumerate(ids) if i % 4 != 0}
    loaded = time.monotonic()

    with recorded() as post_calls:
        status, posted = aws.call(
            "announcements",
            "POST",
            "/v1/staff/announcements",
            identity=staff("Admin"),
            body={"kind": "product_update", "title": "Tính năng mới", "body": "Xin mời."},
            deliver=False,
        )
    recipients = before[COUNTED] + len(consenting)
    assert (status, posted["recipients"]) == (202, recipients)
    assert not {"Query by-status", "Scan"} & set(post_calls)  # counters, never every customer
    announcement_id = posted["announcement_id"]
    assert progress(aws, announcement_id)["status"] == "SENDING"

    queue = aws.function("announcements").environment["ANNOUNCEMENT_QUEUE_URL"]
    sqs, batches = boto3.client("sqs"), 0
    withdrawn: dict[str, bool] = {}  # customer: whether their notice was written before
    with per_message() as calls:
        while found := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages"):
            event = sqs_event(*(message["Body"] for message in found))
            for _ in range(2):  # the batch delivered twice
                assert work(aws, event)["batchItemFailures"] == []
            for message in found:
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
            batches += 1
            if batches == 1:  # some pages written, some not: withdrawals from each
                written = set(outbox_notices(aws, announcement_id))
                for was_written in (True, False):
                    chosen = sorted(c for c in consenting if (c in written) is was_written)
                    for customer_id in chosen[:WITHDRAWING]:
                        withdraw(aws, customer_id)
                        withdrawn[customer_id] = was_written
    fanned_out = time.monotonic()

    notices = outbox_notices(aws, announcement_id)
    assert set(notices.values()) == {1}
    wanted = {c for c in consenting if c not in withdrawn or withdrawn[c]}
    assert set(notices) & set(ids) == wanted
    assert Counter(withdrawn.values()) == {True: WITHDRAWING, False: WITHDRAWING}
    most = Counter[str]()
    for page_calls in calls:
        most |= page_calls
    assert most <= PAGE_CALLS
    pages = (before["active"] + customers) // page + ACTIVE_SHARDS  # at most: a last page each
    assert 2 * (customers // page) <= len(calls) <= 2 * pages  # twice each page, no more
    assert progress(aws, announcement_id) | {"posted_at": ""} == {
        "announcement_id": announcement_id,
        "kind": "product_update",
        "title": "Tính năng mới",
        "posted_at": "",
        "recipients": recipients,
        "enqueued": notices.total(),
        "status": "DONE",
    }
    with capsys.disabled():
        print(
            json.dumps(
                {
                    "customers": customers,
                    "load_seconds": round(loaded - started, 1),
                    "fan_out_seconds": round(fanned_out - loaded, 1),
                    "page_messages": len(calls) // 2,
                    "most_calls_per_message": dict(most),
                }
            )
        )


@pytest.mark.clause("P3.3")
def test_pages_of_different_shards_written_at_the_same_moment_do_not_cancel_each_other(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DynamoDB cancels a transaction that meets another on an item: each shard's progress is its
    own item, so the workers of different shards never meet."""
    load_customers(aws, 40, consenting=lambda _: True)
    status, posted = aws.call(
        "announcements",
        "POST",
        "/v1/staff/announcements",
        identity=staff("Admin"),
        body={"kind": "service_change", "title": "Bảo trì", "body": "Tối nay."},
        deliver=False,
    )
    assert status == 202
    monkeypatch.setenv(chaos.VARIABLE, "tx_latency_ms=500")  # each transaction ongoing 0.5 s
    first, second = (
        PageMessage(announcement_id=posted["announcement_id"], shard=shard) for shard in (0, 1)
    )
    with aws.environment_of("announcement_worker"), ThreadPoolExecutor(2) as pool:
        fan_out = services.announcements()
        written = list(pool.map(fan_out.deliver, (first, second)))
    assert all(written)  # both pages written at the first try
    queue = aws.function("announcements").environment["ANNOUNCEMENT_QUEUE_URL"]
    boto3.client("sqs").purge_queue(QueueUrl=queue)  # its pages, handled here
