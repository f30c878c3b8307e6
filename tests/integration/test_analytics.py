"""P1.3: analytics are stored apart, truncated, and with nothing that links to a person."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from tests.support.deployed import Deployed, customer
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
    status, answer = aws.call(
        "analytics",
        "POST",
        "/v1/analytics/events",
        body={"events": [EVENT, {**EVENT, "page": "/docs?email=an%40example.com#top"}]},
        identity=identity,
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
    personal = {
        "203.0.113.77",
        customer_id,
        identity["cognitoIdentityId"],
        "ASIAEXAMPLEKEY",
        "AROAEXAMPLE",
    }
    for item in stored:
        for value in item.values():
            text = next(iter(value.values()))
            assert str(text) not in personal
            if len(str(text)) > 8 and not str(text).isdigit():
                assert str(text) not in others, text


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
