"""P3.3: the fan-out worker reports partial batch failures and never sends twice on a retry; the
post, its audit entry and its count commit together, and each customer's notice goes through the
outbox (issue 14): a failed send is retried from its stream, a failed write leaves nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from ongpt.customers.store import ACTIVE_SHARDS
from ongpt.notify.delivery import Notifier
from tests.support.deployed import Deployed, customer, staff
from tests.support.events import sqs_event
from tests.support.faults import refusing
from tests.support.jobs import work
from tests.support.journeys import announce, audit_items, put_consent, registered


@pytest.mark.clause("P3.3")
def test_a_bad_message_fails_alone_and_a_retry_sends_nothing_twice(aws: Deployed) -> None:
    body, _ = registered(aws)
    announcement_id = announce(aws, "Bảo trì")
    good = [
        json.dumps({"announcement_id": announcement_id, "shard": s}) for s in range(ACTIVE_SHARDS)
    ]
    answer = work(aws, sqs_event(*good, "not json"))
    assert answer["batchItemFailures"] == [{"itemIdentifier": f"m{ACTIVE_SHARDS}"}]
    work(aws, sqs_event(*good))  # the whole batch delivered again
    aws.deliver_notices()
    got = [m for m in aws.messages_to(body["email"]) if "Bảo trì" in (m["subject"] or "")]
    assert len(got) == 1


@pytest.mark.clause("P3.3")
@pytest.mark.parametrize(
    "body",
    [
        {"kind": "newsletter", "title": "t", "body": "b"},
        {"kind": "service_change", "title": "", "body": "b"},
        {"kind": "service_change", "title": "t", "body": "x" * 5001},
        {"kind": "service_change", "title": "t"},
    ],
)
def test_bad_announcements_are_400(aws: Deployed, body: dict[str, Any]) -> None:
    status, answer = aws.call(
        "announcements", "POST", "/v1/staff/announcements", identity=staff("Admin"), body=body
    )
    assert (status, answer["error"]["code"]) == (400, "VALIDATION_ERROR")


def recipients(aws: Deployed, kind: str) -> int:
    status, posted = aws.call(
        "announcements",
        "POST",
        "/v1/staff/announcements",
        identity=staff("Admin"),
        body={"kind": kind, "title": "t", "body": "b"},
    )
    assert status == 202
    return int(posted["recipients"])


@pytest.mark.clause("P3.3")
def test_recipients_counts_only_the_customers_the_announcement_will_reach(aws: Deployed) -> None:
    kinds = ("service_change", "product_update")
    before = {kind: recipients(aws, kind) for kind in kinds}
    registered(aws)  # product updates granted at sign-up
    _, withdrawn = registered(aws)
    status, _ = aws.call(
        "me",
        "PUT",
        "/v1/me/consents/product_updates",
        body={"granted": False},
        identity=customer(withdrawn),
    )
    assert status == 200
    after = {kind: recipients(aws, kind) for kind in kinds}
    assert after == {
        "service_change": before["service_change"] + 2,
        "product_update": before["product_update"] + 1,
    }


def post(
    aws: Deployed, title: str, kind: str = "service_change", key: str | None = None
) -> tuple[int, dict[str, Any]]:
    return aws.call(
        "announcements",
        "POST",
        "/v1/staff/announcements",
        identity=staff("Admin"),
        body={"kind": kind, "title": title, "body": "Tối nay."},
        headers={"Idempotency-Key": key} if key else None,
    )


def fan_out(aws: Deployed) -> None:
    """What SQS and the worker do with the queued shards, and the outbox's stream after them."""
    aws.work_off(aws.function("announcements").environment["ANNOUNCEMENT_QUEUE_URL"])


def received(aws: Deployed, address: str, title: str) -> int:
    return len([m for m in aws.messages_to(address) if title in (m["subject"] or "")])


@pytest.mark.clause("P3.3", "P3.4")
def test_a_consent_withdrawn_after_the_post_and_before_the_worker_sends_stops_the_update(
    aws: Deployed,
) -> None:
    kept, _ = registered(aws)  # product updates granted at sign-up
    withdrawn, withdrawn_id = registered(aws)
    title = "Tính năng mới: trước khi gửi"
    announce(aws, title, "product_update")  # queued, not yet sent
    assert put_consent(aws, withdrawn_id, "product_updates", {"granted": False})[0] == 200
    fan_out(aws)
    assert received(aws, kept["email"], title) == 1
    assert received(aws, withdrawn["email"], title) == 0


@pytest.mark.clause("P3.3", "P4")
def test_a_failed_send_is_retried_from_the_outbox_stream_and_sent_once(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    body, _ = registered(aws)
    title = "Bảo trì: gửi lỗi một lần"
    original, failures = Notifier.send, list[str]()

    def failing_once(self: Notifier, channel: str, to: str, *args: Any) -> bool:
        if to.lower() == body["email"].lower() and not failures:
            failures.append(to)
            raise ClientError({"Error": {"Code": "TooManyRequestsException"}}, "SendEmail")
        return original(self, channel, to, *args)

    monkeypatch.setattr(Notifier, "send", failing_once)
    announce(aws, title)
    fan_out(aws)  # the worker enqueued the notice; its first delivery failed
    assert failures
    aws.deliver_notices()  # the stream's retries, if the tier has not made them already
    aws.deliver_notices()
    assert received(aws, body["email"], title) == 1


@pytest.mark.clause("P3.3", "P4")
def test_a_post_whose_transaction_fails_leaves_nothing_and_its_retry_posts_once(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    body, _ = registered(aws)
    title = "Bảo trì: giao dịch lỗi"
    entries = len(audit_items(aws, "SYSTEM")[2])
    with refusing(monkeypatch, "TransactWriteItems"):
        status, answer = post(aws, title, key="post-tx")
    assert (status, answer["error"]["code"]) == (503, "SERVICE_UNAVAILABLE")
    assert len(audit_items(aws, "SYSTEM")[2]) == entries
    fan_out(aws)
    assert received(aws, body["email"], title) == 0  # no shard was queued
    status, _ = post(aws, title, key="post-tx")
    assert status == 202
    fan_out(aws)
    assert len(audit_items(aws, "SYSTEM")[2]) == entries + 1
    assert received(aws, body["email"], title) == 1


@pytest.mark.clause("P3.3", "P4")
def test_a_post_retried_after_its_shards_failed_to_queue_reaches_each_customer_once(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    body, _ = registered(aws)
    title = "Bảo trì: hàng đợi lỗi"
    entries = len(audit_items(aws, "SYSTEM")[2])
    with refusing(monkeypatch, "SendMessageBatch"):
        status, _ = post(aws, title, key="post-sqs")
    assert status == 503  # committed, but its shards were not queued
    status, first = post(aws, title, key="post-sqs")
    assert status == 202
    status, again = post(aws, title, key="post-sqs")
    assert again == first
    fan_out(aws)
    assert len(audit_items(aws, "SYSTEM")[2]) == entries + 1  # posted once
    assert received(aws, body["email"], title) == 1
