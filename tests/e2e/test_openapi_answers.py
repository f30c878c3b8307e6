"""The handlers answer as the committed OpenAPI document says (issue 13, item 3): a customer's
and staff's real 2xx answers, lists not empty, validated against its response schemas."""

from __future__ import annotations

from typing import Any

import pytest

from local.client import LocalClient, SignedSession
from tests.support import contract
from tests.support.signed import staff


def _answer_is_documented(response: Any, method: str, path: str) -> None:
    assert 200 <= response.status_code < 300, response.text
    contract.check(method.upper(), path, response.status_code, response.json())


@pytest.fixture(scope="module")
def active_customer(customer: SignedSession) -> str:
    """The session customer with a consent change, an edit request and a complaint on file."""
    granted = customer.request("PUT", "/v1/me/consents/marketing", json_body={"granted": True})
    _answer_is_documented(granted, "put", "/v1/me/consents/{purpose}")
    edit = customer.request(
        "POST",
        "/v1/me/edit-requests",
        json_body={"changes": {"full_name": "Trần Thị Bình"}, "reason": "married"},
    )
    _answer_is_documented(edit, "post", "/v1/me/edit-requests")
    complaint = customer.request(
        "POST",
        "/v1/complaints",
        json_body={"category": "service", "subject": "Slow", "message": "The app is slow."},
    )
    _answer_is_documented(complaint, "post", "/v1/complaints")
    me = customer.request("GET", "/v1/me")
    _answer_is_documented(me, "get", "/v1/me")
    return str(me.json()["customer_id"])


@pytest.mark.parametrize(
    "path",
    [
        "/v1/me/consents",
        "/v1/me/contracts",
        "/v1/me/notifications",
        "/v1/me/disclosures",
        "/v1/me/edit-requests",
        "/v1/me/export",
    ],
)
def test_a_customers_answer_matches_the_committed_document(
    customer: SignedSession, active_customer: str, path: str
) -> None:
    _answer_is_documented(customer.request("GET", path), "get", path)


def test_staff_answers_match_the_committed_document(
    local_runtime: LocalClient, active_customer: str
) -> None:
    admin = staff(local_runtime, "admin")
    queue = admin.request("GET", "/v1/staff/edit-requests")
    _answer_is_documented(queue, "get", "/v1/staff/edit-requests")
    assert queue.json()["edit_requests"]
    complaints = admin.request("GET", "/v1/staff/complaints")
    _answer_is_documented(complaints, "get", "/v1/staff/complaints")
    read = admin.request("GET", f"/v1/staff/customers/{active_customer}?purpose=customer_support")
    _answer_is_documented(read, "get", "/v1/staff/customers/{customer_id}")
    audit = admin.request("GET", f"/v1/staff/audit?customer_id={active_customer}")
    _answer_is_documented(audit, "get", "/v1/staff/audit")
    assert audit.json()["entries"]
