"""P6.2 through the local runtime: a guest's and a customer's complaints, listed and resolved by
Support, the outcome sent to each; going back is refused."""

from __future__ import annotations

import uuid

import pytest

from local.client import LocalClient, SignedSession
from tests.support.signed import register, sign_in, staff


@pytest.mark.clause("P6.2", "P3.6")
def test_complaints_from_guest_and_customer_are_resolved_and_answered(
    local_runtime: LocalClient, guest: SignedSession
) -> None:
    guest_email = f"khach.{uuid.uuid4().hex[:8]}@example.com"
    by_guest = guest.request(
        "POST",
        "/v1/complaints",
        json_body={
            "category": "service",
            "subject": "Chậm",
            "message": "Trang chậm.",
            "contact": {"email": guest_email},
        },
    )
    assert by_guest.status_code == 201
    person = register(local_runtime, guest)
    session = local_runtime.session(
        id_token=sign_in(local_runtime, person["email"], person["password"])["tokens"]["IdToken"]
    )
    by_customer = session.request(
        "POST",
        "/v1/complaints",
        json_body={"category": "billing", "subject": "Hoá đơn", "message": "Sai."},
    )
    assert by_customer.status_code == 201

    support = staff(local_runtime, "support")
    open_ids = {
        c["complaint_id"]
        for c in support.request("GET", "/v1/staff/complaints?status=OPEN").json()["complaints"]
    }
    ids = [by_guest.json()["complaint_id"], by_customer.json()["complaint_id"]]
    assert set(ids) <= open_ids
    for complaint_id in ids:
        path = f"/v1/staff/complaints/{complaint_id}"
        assert support.request("PATCH", path, json_body={"status": "OPEN"}).status_code == 409
        assert (
            support.request("PATCH", path, json_body={"status": "IN_PROGRESS"}).status_code == 200
        )
        done = support.request(
            "PATCH", path, json_body={"status": "RESOLVED", "resolution": "Đã sửa."}
        )
        assert done.status_code == 200
        assert (
            support.request("PATCH", path, json_body={"status": "IN_PROGRESS"}).status_code == 409
        )
    for address in (guest_email, person["email"]):
        assert "Đã sửa." in local_runtime.outbox(address)[-1]["body"]
