"""P6.2 through the local runtime: a guest's and a customer's complaints, listed and resolved by
Support, the outcome sent to each; going back is refused."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from local.client import LocalClient, SignedSession
from tests.support.pages import every_page, signed
from tests.support.runtime import at_once, overlap, paused, serving, warmed
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
    open_queue = every_page(signed(support, "/v1/staff/complaints", status="OPEN"), "complaints")
    ids = [by_guest.json()["complaint_id"], by_customer.json()["complaint_id"]]
    assert set(ids) <= {c["complaint_id"] for c in open_queue}
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

    # The customer's own list (API.md v1.2), a page at a time, each by the reference of its receipt
    again = {"category": "other", "subject": "Hỏi", "message": "?"}
    assert session.request("POST", "/v1/complaints", json_body=again).status_code == 201
    first = session.request("GET", "/v1/me/complaints?limit=1").json()
    (resolved,) = first["complaints"]
    assert (resolved["complaint_id"], resolved["resolution"]) == (ids[1], "Đã sửa.")
    receipts = [m["body"] for m in local_runtime.outbox(person["email"]) if "đã nhận" in m["body"]]
    assert resolved["reference"] in receipts[0]
    later = session.request("GET", f"/v1/me/complaints?limit=1&cursor={first['next']}").json()
    assert (later["complaints"][0]["status"], later["next"]) == ("OPEN", None)
    assert session.request("GET", f"/v1/me/contracts?cursor={first['next']}").status_code == 400
    accesses = every_page(signed(session, "/v1/me/access-log"), "access_log")
    assert {("support", "complaint.read", "complaint_resolution")} <= {
        (a["role"], a["action"], a["purpose"]) for a in accesses
    }


@pytest.mark.clause("P6.2", "P3.6")
def test_one_of_racing_final_moves_wins_and_the_complainant_is_told_once(
    local_runtime: LocalClient, assembly_dir: Path
) -> None:
    """A move paused between its read and its write while eight others race to close the same
    complaint: exactly one closes it, the paused one included among the refused."""
    guest = local_runtime.session(principal="guest")  # a caller of its own (5 a day)
    email = f"dua.{uuid.uuid4().hex[:8]}@example.com"
    complaint = {"category": "other", "subject": "Đua", "message": "?", "contact": {"email": email}}
    filed = guest.request("POST", "/v1/complaints", json_body=complaint)
    complaint_id = filed.json()["complaint_id"]
    local_runtime.outbox(email)  # settled: its receipt is sent
    support, path = staff(local_runtime, "support"), f"/v1/staff/complaints/{complaint_id}"

    def move(status: str) -> Callable[[], requests.Response]:
        body = {"status": status, "resolution": f"Kết luận: {status}"}
        return lambda: support.request("PATCH", path, json_body=body)

    warmed(lambda: support.request("PATCH", f"{path}-none", json_body={"status": "IN_PROGRESS"}))
    with (
        paused(local_runtime, "TransactWriteItems", complaint_id, move("RESOLVED")) as first,
        overlap(local_runtime) as peak,
    ):
        answers = at_once([move("RESOLVED"), move("REJECTED")] * 4, first.go_on)
    assert first.answer.result().status_code == 409
    assert sorted(answer.status_code for answer in answers) == [200] + [409] * 7
    assert peak[serving(assembly_dir, "PATCH", "/v1/staff/complaints/{complaint_id}")] > 1
    assert ["Kết luận" in m["body"] for m in local_runtime.outbox(email)].count(True) == 1
