"""P3.7, P1.3 through the local runtime: disclosures need consent or an obligation, and may stay
hidden while confidential; analytics keep nothing that links to the customer who sent them."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.client import LocalClient, SignedSession
from tests.support.runtime import aws_client
from tests.support.signed import register, sign_in, staff


def signed_in(
    local_runtime: LocalClient, guest: SignedSession
) -> tuple[dict[str, Any], SignedSession]:
    person = register(local_runtime, guest)
    tokens = sign_in(local_runtime, person["email"], person["password"])["tokens"]
    return person, local_runtime.session(id_token=tokens["IdToken"])


@pytest.mark.clause("P3.7")
def test_disclosures_follow_consent_and_confidentiality(
    local_runtime: LocalClient, guest: SignedSession
) -> None:
    person, session = signed_in(local_runtime, guest)
    compliance = staff(local_runtime, "compliance")
    body = {
        "customer_id": person["customer_id"],
        "recipient": "partner-x",
        "legal_basis": "consent",
        "data_categories": ["contact"],
    }
    refused = compliance.request("POST", "/v1/staff/disclosures", json_body=body)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "CONSENT_REQUIRED")
    session.request(
        "PUT", "/v1/me/consents/third_party_sharing:partner-x", json_body={"granted": True}
    )
    assert compliance.request("POST", "/v1/staff/disclosures", json_body=body).status_code == 201
    until = datetime.now(UTC) + timedelta(seconds=4)
    hidden = {
        **body,
        "recipient": "cong-an",
        "legal_basis": "legal_obligation",
        "authority_reference": "CV-123",
        "confidential_until": until.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    assert compliance.request("POST", "/v1/staff/disclosures", json_body=hidden).status_code == 201
    shown = {
        d["recipient"] for d in session.request("GET", "/v1/me/disclosures").json()["disclosures"]
    }
    assert shown == {"partner-x"}
    time.sleep(5)
    shown = {
        d["recipient"] for d in session.request("GET", "/v1/me/disclosures").json()["disclosures"]
    }
    assert shown == {"partner-x", "cong-an"}


@pytest.mark.clause("P1.3")
def test_a_customers_analytics_share_no_value_with_any_other_table(
    local_runtime: LocalClient, guest: SignedSession
) -> None:
    person, session = signed_in(local_runtime, guest)
    sent = session.request(
        "POST",
        "/v1/analytics/events",
        json_body={
            "events": [
                {
                    "page": "/pricing",
                    "referrer": "https://example.org/x",
                    "search_query": "gpt vi",
                    "visited_at": "2026-11-25T10:00:00Z",
                }
            ]
        },
    )
    assert sent.json() == {"accepted": 1}
    dynamodb = aws_client(local_runtime, "dynamodb")
    tables = dynamodb.list_tables()["TableNames"]
    analytics = next(t for t in tables if t.startswith("DataAnalytics"))
    stored = dynamodb.scan(TableName=analytics)["Items"]
    assert {i["ip_network"]["S"] for i in stored} == {"127.0.0.0/24"}
    others = "".join(repr(dynamodb.scan(TableName=t)["Items"]) for t in tables if t != analytics)
    for item in stored:
        for name, value in item.items():
            text = str(next(iter(value.values())))
            if name not in ("visited_at", "pk", "sk", "expires_at_epoch") and len(text) > 3:
                assert text not in others, (name, text)
            assert person["customer_id"] not in text


@pytest.mark.clause("P2.4")
def test_the_export_holds_everything_about_the_caller(
    local_runtime: LocalClient, guest: SignedSession
) -> None:
    person, session = signed_in(local_runtime, guest)
    cid = person["customer_id"]
    support = staff(local_runtime, "support")
    support.request(
        "POST",
        "/v1/staff/contracts",
        json_body={
            "customer_id": cid,
            "plan": "Pro",
            "starts_at": "2026-01-01T00:00:00Z",
            "expires_at": "2028-01-01T00:00:00Z",
        },
    )
    session.request(
        "PUT", "/v1/me/consents/third_party_sharing:partner-z", json_body={"granted": True}
    )
    session.request(
        "POST",
        "/v1/me/edit-requests",
        json_body={"changes": {"full_name": "Tên Mới"}, "reason": "đổi"},
    )
    session.request(
        "POST", "/v1/complaints", json_body={"category": "other", "subject": "Hỏi", "message": "?"}
    )
    staff(local_runtime, "compliance").request(
        "POST",
        "/v1/staff/disclosures",
        json_body={
            "customer_id": cid,
            "recipient": "partner-z",
            "legal_basis": "consent",
            "data_categories": ["contact"],
        },
    )
    support.request("GET", f"/v1/staff/customers/{cid}?purpose=customer_support")
    # The notices go out from the outbox's stream a moment later; reading the outbox waits
    # until the local runtime has delivered them (and written their history lines).
    local_runtime.outbox(person["email"])
    export = session.request("GET", "/v1/me/export").json()
    assert export["profile"]["customer_id"] == cid
    for section in ("contracts", "edit_requests", "complaints", "notifications"):
        assert export[section], section
    assert export["disclosures"][0]["recipient"] == "partner-z"
    assert "third_party_sharing:partner-z" in {c["purpose"] for c in export["consents"]["current"]}
    assert ("customer.read", "support") in {(a["action"], a["role"]) for a in export["access_log"]}
