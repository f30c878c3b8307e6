"""P1.3: analytics are stored apart, truncated, and with nothing that links to a person."""

from __future__ import annotations

import uuid
from typing import Any

import boto3
import pytest

from ongpt.platform import idempotency
from ongpt.platform.caller import Caller
from tests.support.deployed import Deployed, customer, guest
from tests.support.idempotency import forget_answers
from tests.support.journeys import registered

EVENT = {
    "page": "/pricing",
    "referrer": "https://www.google.com/search?q=ongpt",
    "search_query": "gpt vi",
    "visited_at": "2026-11-25T10:00:00Z",
}


def items(table: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = boto3.client("dynamodb").scan(TableName=table)["Items"]
    return found


@pytest.mark.clause("P1.3")
def test_a_signed_in_customers_events_link_to_nothing_else(aws: Deployed) -> None:
    _, customer_id = registered(aws)
    identity = {
        **customer(customer_id),
        "sourceIp": "203.0.113.77",
        "userAgent": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "accessKey": "ASIAEXAMPLEKEY",
        "caller": "AROAEXAMPLE:CognitoIdentityCredentials",
    }
    key = str(uuid.uuid4())
    status, answer = aws.call(
        "analytics",
        "POST",
        "/v1/analytics/events",
        body={"events": [EVENT, {**EVENT, "page": "/docs?email=an%40example.com#top"}]},
        identity=identity,
        headers={"Idempotency-Key": key},
    )
    assert (status, answer) == (202, {"accepted": 2})
    env = aws.function("analytics").environment
    stored = items(env["ANALYTICS_TABLE"])
    assert len(stored) == 2
    assert {i["ip_network"]["S"] for i in stored} == {"203.0.113.0/24"}
    assert {i["browser_family"]["S"] for i in stored} == {"Firefox"}
    assert {i["referrer_host"]["S"] for i in stored} == {"www.google.com"}
    assert {i["page"]["S"] for i in stored} == {"/pricing", "/docs"}  # no query, no fragment
    assert all("expires_at_epoch" in i for i in stored)
    # No value of an analytics item appears in the customer records, and no identity in it.
    others = repr(items(aws.function("registration").environment["CUSTOMERS_TABLE"]))
    # Nor the request's key, nor its retry id (which derives from the caller and the key).
    scope = idempotency.scope(Caller("customer", customer_id), "POST", "/v1/analytics/events", None)
    linking = {
        "203.0.113.77",
        customer_id,
        identity["cognitoIdentityId"],
        "ASIAEXAMPLEKEY",
        "AROAEXAMPLE",
        key,
        idempotency.retry_id(key, scope),
    }
    for item in stored:
        for value in item.values():
            text = str(next(iter(value.values())))
            assert not any(link in text for link in linking), text
            if len(text) > 8 and not text.isdigit():
                assert text not in others, text


@pytest.mark.clause("P1.3")
def test_a_retry_whose_answer_was_lost_stores_its_events_once(aws: Deployed) -> None:
    table = aws.function("analytics").environment["ANALYTICS_TABLE"]
    before = len(items(table))
    who, key = guest(), {"Idempotency-Key": str(uuid.uuid4())}

    def send(headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        return aws.call(
            "analytics",
            "POST",
            "/v1/analytics/events",
            body={"events": [EVENT, {**EVENT, "page": "/docs"}]},
            identity=who,
            headers=headers,
        )

    assert send(key) == (202, {"accepted": 2})
    forget_answers(aws, "analytics")  # its idempotency record was never completed
    assert send(key) == (202, {"accepted": 2})
    assert len(items(table)) == before + 2
    assert send({"Idempotency-Key": str(uuid.uuid4())}) == (202, {"accepted": 2})
    assert len(items(table)) == before + 4  # another request: events of its own


@pytest.mark.clause("P1.3")
def test_an_events_id_says_nothing_of_who_sent_it(aws: Deployed) -> None:
    """The same events with the same key from two callers are the same items: the id is made
    of the key and the events alone, so even a guessable key links no event to its sender."""
    table = aws.function("analytics").environment["ANALYTICS_TABLE"]
    before = len(items(table))
    body = {"events": [{**EVENT, "page": f"/pricing/{uuid.uuid4()}"}]}
    for who in (guest(), guest()):
        status, _ = aws.call(
            "analytics",
            "POST",
            "/v1/analytics/events",
            body=body,
            identity=who,
            headers={"Idempotency-Key": "1"},
        )
        assert status == 202
    assert len(items(table)) == before + 1


@pytest.mark.clause("P1.3")
@pytest.mark.parametrize(
    "body",
    [
        {"events": []},
        {"events": [EVENT] * 26},
        {"events": [{**EVENT, "page": "x" * 513}]},
        {"events": [{**EVENT, "customer_id": "me"}]},
        {"events": [{**EVENT, "visited_at": "yesterday"}]},
    ],
)
def test_bad_batches_are_400(aws: Deployed, body: dict[str, Any]) -> None:
    status, answer = aws.call("analytics", "POST", "/v1/analytics/events", body=body)
    assert (status, answer["error"]["code"]) == (400, "VALIDATION_ERROR")
