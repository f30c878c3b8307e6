"""GDPR arts. 15 and 20: the export holds everything about the caller, and only about them."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from local.gateway import MAX_PAYLOAD_BYTES
from local.lambdas import MAX_RESPONSE_BYTES
from tests.bench.export import DYNAMODB_CALLS_MOST, Limits, export_of
from tests.support.deployed import Deployed, customer, staff
from tests.support.journeys import registered
from tests.support.scale import EXPORT_IDS, FIVE_YEARS, load_history


@pytest.mark.clause("P2.4")
def test_the_export_holds_every_kind_of_record(aws: Deployed) -> None:
    body, cid = registered(aws)
    _, other = registered(aws)
    me = customer(cid)
    aws.call(
        "contracts",
        "POST",
        "/v1/staff/contracts",
        identity=staff("Support"),
        body={
            "customer_id": cid,
            "plan": "Pro",
            "starts_at": "2026-01-01T00:00:00Z",
            "expires_at": "2027-01-01T00:00:00Z",
        },
    )
    aws.call(
        "me",
        "PUT",
        "/v1/me/consents/third_party_sharing:partner-x",
        body={"granted": True},
        identity=me,
    )
    aws.call(
        "edit_requests",
        "POST",
        "/v1/me/edit-requests",
        identity=me,
        body={"changes": {"full_name": "Nguyễn Văn Mới"}, "reason": "đổi tên"},
    )
    aws.call(
        "complaints",
        "POST",
        "/v1/complaints",
        identity=me,
        body={"category": "other", "subject": "Câu hỏi", "message": "Xin chào"},
    )
    aws.call(
        "disclosures",
        "POST",
        "/v1/staff/disclosures",
        identity=staff("Compliance"),
        body={
            "customer_id": cid,
            "recipient": "partner-x",
            "legal_basis": "consent",
            "data_categories": ["contact"],
        },
    )
    aws.call(
        "staff_customers",
        "GET",
        f"/v1/staff/customers/{cid}",
        identity=staff("Support"),
        query={"purpose": "customer_support"},
    )

    status, export = aws.call("me", "GET", "/v1/me/export", identity=me)
    assert status == 200
    assert export["profile"]["customer_id"] == cid
    assert export["profile"]["full_name"] == "Nguyễn Văn An"
    assert {"marketing", "third_party_sharing:partner-x"} <= {
        c["purpose"] for c in export["consents"]["current"]
    }
    assert len(export["consents"]["history"]) >= 5
    assert export["edit_requests"][0]["reason"] == "đổi tên"
    assert export["contracts"][0]["plan"] == "Pro"
    assert export["complaints"][0]["subject"] == "Câu hỏi"
    assert export["disclosures"][0]["recipient"] == "partner-x"
    assert any(n["type"] == "contract_confirmation" for n in export["notifications"])
    reads = [a for a in export["access_log"] if a["action"] == "customer.read"]
    assert reads[0]["role"] == "support"
    assert reads[0]["purpose"] == "customer_support"
    assert {a["role"] for a in export["access_log"]} <= {"support", "compliance", "admin"}
    assert other not in str(export)
    assert body["email"].split("@")[0] in export["profile"]["email"]


@pytest.mark.clause("P2.4")
def test_the_access_log_shows_role_purpose_and_time_never_the_staff_member(aws: Deployed) -> None:
    _, cid = registered(aws)
    aws.call(
        "staff_customers",
        "GET",
        f"/v1/staff/customers/{cid}",
        identity=staff("Compliance", "bob.tran"),
        query={"purpose": "legal_request"},
    )
    aws.call(
        "me", "PUT", "/v1/me/consents/marketing", body={"granted": True}, identity=customer(cid)
    )
    status, export = aws.call("me", "GET", "/v1/me/export", identity=customer(cid))
    assert status == 200
    (access,) = export["access_log"]  # the customer's own consent change is not a staff access
    assert set(access) == {"role", "action", "purpose", "at"}
    assert (access["role"], access["purpose"]) == ("compliance", "legal_request")
    assert "bob.tran" not in str(export)


@pytest.mark.clause("P2.4")
def test_the_largest_customers_export_is_complete_and_fits_lambda_and_api_gateway(
    aws: Deployed,
) -> None:
    """Five years of records (``tests/support/scale.py``): every one is in the export, which
    fits Lambda's response and API Gateway's payload, is estimated within the function's and the
    integration's timeouts, and reads by kind of record, not by record."""
    _, cid = registered(aws)
    written = load_history(aws, cid, FIVE_YEARS)

    export = export_of(aws, cid)

    body = export.body
    for name, id_field in EXPORT_IDS.items():
        assert {record[id_field] for record in body[name]} == written.ids[name], name
    lists = {**body, "consent_history": body["consents"]["history"]}
    for name, records in written.records.items():
        assert _holds(lists[name], records), name
    # Lambda's synchronous response (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)
    assert export.response_bytes <= MAX_RESPONSE_BYTES
    # API Gateway's payload and integration timeout (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html)
    assert export.body_bytes <= MAX_PAYLOAD_BYTES
    assert export.calls_to("dynamodb") <= DYNAMODB_CALLS_MOST, export.calls
    assert export.calls_to("kms") <= 1 + FIVE_YEARS.complaints, export.calls  # a key each
    limits = Limits.of(aws)
    estimated = export.lambda_seconds(limits.memory_mb)
    assert estimated <= min(limits.function_seconds, limits.integration_seconds), estimated


def _holds(exported: list[dict[str, Any]], expected: list[dict[str, Any]]) -> bool:
    """Whether ``exported`` holds each of the ``expected`` records (by their fields)."""
    fields = sorted(expected[0])
    held = Counter(tuple(record.get(f) for f in fields) for record in exported)
    return not Counter(tuple(record[f] for f in fields) for record in expected) - held
