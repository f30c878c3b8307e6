"""P3.3: the fan-out worker reports partial batch failures and never sends twice on a retry."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ongpt.customers.store import ACTIVE_SHARDS
from tests.support.deployed import Deployed, customer, staff
from tests.support.events import sqs_event
from tests.support.jobs import work
from tests.support.journeys import announce, registered


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
