"""P6.2, P3.6: complaints from guests (with a contact) and customers (their account's), a staff
queue for each status, transitions OPEN -> IN_PROGRESS | RESOLVED | REJECTED and IN_PROGRESS ->
RESOLVED | REJECTED with a resolution, final states final, the outcome told once."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from ongpt.complaints import service as complaints_service
from ongpt.notify import send_limits
from tests.support.deployed import Deployed, customer, guest, staff
from tests.support.failing import failing_once
from tests.support.idempotency import forget_answers
from tests.support.journeys import audit_items, registered
from tests.support.pages import aws_calls, every_page


def file(
    aws: Deployed, body: dict[str, Any], identity: dict[str, Any] | None = None
) -> tuple[int, dict[str, Any]]:
    return aws.call("complaints", "POST", "/v1/complaints", body=body, identity=identity or guest())


def patch(aws: Deployed, complaint_id: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return aws.call(
        "complaints",
        "PATCH",
        f"/v1/staff/complaints/{complaint_id}",
        body=body,
        identity=staff("Support"),
    )


def queue_answer(aws: Deployed, status: str, **more: str) -> tuple[int, dict[str, Any]]:
    return aws.call(
        "complaints",
        "GET",
        "/v1/staff/complaints",
        identity=staff("Support"),
        query={"status": status, **more},
    )


def outcomes(aws: Deployed, address: str) -> list[str]:
    """The outcome messages sent to ``address``: not its complaints' receipts."""
    return [m["body"] for m in aws.messages_to(address) if "đã được xử lý" in m["body"]]


def queue(aws: Deployed, status: str = "OPEN") -> list[dict[str, Any]]:
    """The whole queue, page after page."""
    return every_page(lambda more: queue_answer(aws, status, **more), "complaints")


@pytest.mark.clause("P6.2", "P3.6")
def test_a_guest_complaint_is_queued_resolved_and_answered(
    aws: Deployed, every_log_line: io.StringIO
) -> None:
    email = f"khach.{uuid.uuid4().hex[:8]}@example.com"
    status, filed = file(
        aws,
        {
            "category": "privacy",
            "subject": "Dữ liệu của tôi",
            "message": "Xin xoá số 0967915569",
            "contact": {"name": "Khách", "email": email},
        },
    )
    assert (status, filed["status"]) == (201, "OPEN")
    cid = filed["complaint_id"]
    listed = next(c for c in queue(aws) if c["complaint_id"] == cid)
    assert listed["contact"]["email"] == "k***@example.com"
    assert patch(aws, cid, {"status": "IN_PROGRESS"})[1]["status"] == "IN_PROGRESS"
    assert cid not in [c["complaint_id"] for c in queue(aws)]
    assert patch(aws, cid, {"status": "RESOLVED", "resolution": "Đã xoá."})[0] == 200
    receipt, outcome = (message["body"] for message in aws.messages_to(email))
    assert "Đã xoá." in outcome
    assert listed["reference"] in receipt  # named by its reference ...
    assert listed["reference"] in outcome
    assert "Dữ liệu của tôi" not in receipt + outcome  # ... never by the subject a guest wrote
    assert email not in every_log_line.getvalue()
    assert "0967915569" not in every_log_line.getvalue()


@pytest.mark.clause("P6.2", "P3.6")
def test_a_customer_complaint_uses_the_account_contact(aws: Deployed) -> None:
    body, customer_id = registered(aws)
    status, filed = file(
        aws,
        {
            "category": "billing",
            "subject": "Hoá đơn",
            "message": "Sai số tiền",
            "contact": {"email": "ignored@example.com"},
        },
        customer(customer_id),
    )
    assert status == 201
    patch(aws, filed["complaint_id"], {"status": "IN_PROGRESS"})
    patch(aws, filed["complaint_id"], {"status": "REJECTED", "resolution": "Đúng giá."})
    assert "Đúng giá." in aws.messages_to(body["email"])[-1]["body"]
    assert aws.messages_to("ignored@example.com") == []
    _, export = aws.call("me", "GET", "/v1/me/export", identity=customer(customer_id))
    (mine,) = export["complaints"]
    assert (mine["status"], mine["resolution"]) == ("REJECTED", "Đúng giá.")  # opened for them
    assert (mine["subject"], mine["message"]) == ("Hoá đơn", "Sai số tiền")


def my_complaints(aws: Deployed, customer_id: str, **query: str) -> tuple[int, dict[str, Any]]:
    return aws.call(
        "me", "GET", "/v1/me/complaints", identity=customer(customer_id), query=query or None
    )


@pytest.mark.clause("P6.2")
def test_a_customer_lists_their_complaints_by_reference_with_their_outcome(
    aws: Deployed,
) -> None:
    """API.md v1.2: GET /v1/me/complaints, oldest first; another customer's are not there."""
    body, customer_id = registered(aws)
    _, other = registered(aws)
    filing = {"category": "service", "subject": "Chậm", "message": "Trang chậm."}
    ids = [file(aws, filing, customer(customer_id))[1]["complaint_id"] for _ in range(2)]
    file(aws, filing, customer(other))
    assert patch(aws, ids[0], {"status": "RESOLVED", "resolution": "Đã sửa."})[0] == 200
    status, listed = my_complaints(aws, customer_id)
    assert status == 200
    assert [c["complaint_id"] for c in listed["complaints"]] == ids
    assert listed["next"] is None
    done, waiting = listed["complaints"]
    assert (done["status"], done["resolution"]) == ("RESOLVED", "Đã sửa.")
    assert done["filed_at"] < done["resolved_at"]
    assert (waiting["status"], waiting["category"]) == ("OPEN", "service")
    assert "resolution" not in waiting
    assert "resolved_at" not in waiting
    receipts = [m["body"] for m in aws.messages_to(body["email"]) if "đã nhận" in m["body"]]
    for complaint, receipt in zip(listed["complaints"], receipts, strict=True):
        assert complaint["reference"] in receipt
    assert len({c["reference"] for c in listed["complaints"]}) == 2


@pytest.mark.clause("P6.2")
def test_a_reference_another_complaint_holds_is_drawn_again(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = guest_complaint(aws)
    taken = next(c["reference"] for c in queue(aws) if c["complaint_id"] == first)
    draws = iter([taken, "WXYZ-2345"])
    monkeypatch.setattr(complaints_service, "new_reference", lambda: next(draws))
    cid = guest_complaint(aws)
    assert next(c for c in queue(aws) if c["complaint_id"] == cid)["reference"] == "WXYZ-2345"


@pytest.mark.clause("P6.2", "P2.1")
def test_the_staff_queue_opens_only_the_complaints_of_its_page(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 25 item 6: a page of the queue opens (KMS Decrypt) only its own complaints' keys."""
    for _ in range(3):
        guest_complaint(aws)
    with aws_calls(monkeypatch) as calls:
        status, first = queue_answer(aws, "OPEN", limit="2")
    assert status == 200
    opened = [
        params["EncryptionContext"]["complaint_id"]
        for call, params, _ in calls
        if call == "kms.Decrypt" and "complaint_id" in params["EncryptionContext"]
    ]
    assert sorted(opened) == sorted(c["complaint_id"] for c in first["complaints"])
    assert len(opened) == 2
    assert first["next"] is not None


def guest_complaint(aws: Deployed, email: str = "") -> str:
    contact = {"email": email} if email else {"phone": "0967000222"}
    status, filed = file(
        aws, {"category": "other", "subject": "s", "message": "m", "contact": contact}
    )
    assert status == 201
    return str(filed["complaint_id"])


@pytest.mark.clause("P6.2", "P3.6")
@pytest.mark.parametrize(
    ("steps", "bad"),
    [
        ([], {"status": "OPEN"}),
        ([{"status": "IN_PROGRESS"}], {"status": "OPEN"}),
        ([{"status": "IN_PROGRESS"}], {"status": "IN_PROGRESS"}),
        ([{"status": "RESOLVED", "resolution": "x"}], {"status": "IN_PROGRESS"}),
        ([{"status": "RESOLVED", "resolution": "x"}], {"status": "REJECTED", "resolution": "y"}),
        ([{"status": "REJECTED", "resolution": "x"}], {"status": "RESOLVED", "resolution": "y"}),
        (
            [{"status": "IN_PROGRESS"}, {"status": "RESOLVED", "resolution": "x"}],
            {"status": "RESOLVED", "resolution": "x"},
        ),
    ],
)
def test_invalid_transitions_are_409(
    aws: Deployed, steps: list[dict[str, Any]], bad: dict[str, Any]
) -> None:
    cid = guest_complaint(aws)
    for step in steps:
        assert patch(aws, cid, step)[0] == 200
    status, answer = patch(aws, cid, bad)
    assert (status, answer["error"]["code"]) == (409, "CONFLICT")


@pytest.mark.clause("P6.2", "P3.6")
@pytest.mark.parametrize("final", ["RESOLVED", "REJECTED"])
def test_an_open_complaint_may_be_closed_at_once_and_the_outcome_is_told_once(
    aws: Deployed, final: str
) -> None:
    email = f"mot.lan.{uuid.uuid4().hex[:8]}@example.com"
    cid = guest_complaint(aws, email)
    assert patch(aws, cid, {"status": final, "resolution": "Xong."}) == (
        200,
        {"complaint_id": cid, "status": final},
    )
    assert patch(aws, cid, {"status": final, "resolution": "Lần nữa."})[0] == 409
    told = outcomes(aws, email)
    assert len(told) == 1
    assert "Xong." in told[0]


@pytest.mark.clause("P6.2", "P3.6")
def test_an_outcome_whose_sending_failed_keeps_the_move_and_is_sent_once_from_the_stream(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    email = f"that.bai.{uuid.uuid4().hex[:8]}@example.com"
    cid = guest_complaint(aws, email)
    failing_once(monkeypatch, "TooManyRequestsException", "SendEmail")
    assert patch(aws, cid, {"status": "RESOLVED", "resolution": "Đã xong."}) == (
        200,
        {"complaint_id": cid, "status": "RESOLVED"},
    )  # the send fails in the delivery worker, after the move committed with its notice
    assert outcomes(aws, email) == []
    assert cid in [c["complaint_id"] for c in queue(aws, "RESOLVED")]
    for _ in range(2):  # the stream's retries: sent once
        aws.deliver_notices()
    told = outcomes(aws, email)
    assert len(told) == 1
    assert "Đã xong." in told[0]


@pytest.mark.clause("P6.2", "P3.6")
@pytest.mark.parametrize("complainant", ["guest", "customer"])
def test_a_closing_whose_transaction_fails_leaves_nothing_and_its_retry_tells_once(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch, complainant: str
) -> None:
    if complainant == "guest":
        email = f"giao.dich.{uuid.uuid4().hex[:8]}@example.com"
        cid, customer_id = guest_complaint(aws, email), None
    else:
        body, customer_id = registered(aws)
        email = body["email"]
        cid = file(
            aws, {"category": "other", "subject": "s", "message": "m"}, customer(customer_id)
        )[1]["complaint_id"]
    entries = len(audit_items(aws, customer_id)[2]) if customer_id else 0
    failing_once(monkeypatch, "InternalServerError", "TransactWriteItems")
    status, answer = patch(aws, cid, {"status": "REJECTED", "resolution": "Không phải."})
    assert (status, answer["error"]["code"]) == (503, "SERVICE_UNAVAILABLE")
    if customer_id:
        assert len(audit_items(aws, customer_id)[2]) == entries
    assert cid in [c["complaint_id"] for c in queue(aws, "OPEN")]  # (audits a customer's read)
    assert [m for m in aws.messages_to(email) if "Không phải." in m["body"]] == []
    assert patch(aws, cid, {"status": "REJECTED", "resolution": "Không phải."})[0] == 200
    aws.deliver_notices()
    assert len([m for m in aws.messages_to(email) if "Không phải." in m["body"]]) == 1


@pytest.mark.clause("P6.2", "P3.6")
@pytest.mark.parametrize("final", ["RESOLVED", "REJECTED"])
@pytest.mark.parametrize("before", [[], [{"status": "IN_PROGRESS"}]], ids=["open", "in progress"])
def test_closing_needs_a_resolution(
    aws: Deployed, final: str, before: list[dict[str, Any]]
) -> None:
    cid = guest_complaint(aws)
    for step in before:
        patch(aws, cid, step)
    for body in ({"status": final}, {"status": final, "resolution": ""}):
        status, answer = patch(aws, cid, body)
        assert (status, answer["error"]["fields"][0]["field"]) == (400, "resolution")
    status, answer = patch(aws, cid, {"status": final, "resolution": "x" * 2001})
    assert (status, answer["error"]["code"]) == (400, "VALIDATION_ERROR")


@pytest.mark.clause("P6.2", "P3.6")
def test_the_staff_queue_filters_by_every_status_oldest_first(aws: Deployed) -> None:
    moves = {
        "OPEN": [],
        "IN_PROGRESS": [{"status": "IN_PROGRESS"}],
        "RESOLVED": [{"status": "RESOLVED", "resolution": "x"}],
        "REJECTED": [{"status": "IN_PROGRESS"}, {"status": "REJECTED", "resolution": "y"}],
    }
    placed: dict[str, list[str]] = {}
    for status, steps in moves.items():
        placed[status] = [guest_complaint(aws), guest_complaint(aws)]
        for cid in placed[status]:
            for step in steps:
                assert patch(aws, cid, step)[0] == 200
    for status in moves:
        listed = queue(aws, status)
        assert {c["status"] for c in listed} == {status}
        mine = [c["complaint_id"] for c in listed if c["complaint_id"] in placed[status]]
        assert mine == placed[status]
        created = [c["created_at"] for c in listed]
        assert created == sorted(created)


@pytest.mark.clause("P6.2", "P3.6")
def test_an_unknown_queue_status_is_400(aws: Deployed) -> None:
    status, body = queue_answer(aws, "CLOSED")
    assert (status, body["error"]["code"]) == (400, "VALIDATION_ERROR")


@pytest.mark.clause("P6.2", "P3.6")
def test_a_guest_without_a_contact_is_refused(aws: Deployed) -> None:
    status, answer = file(aws, {"category": "other", "subject": "s", "message": "m"})
    assert (status, answer["error"]["fields"][0]["field"]) == (400, "contact")


@pytest.mark.clause("P2.1", "P6.2")
def test_complaint_text_and_its_resolution_are_not_stored_in_the_clear(aws: Deployed) -> None:
    _, filed = file(
        aws,
        {
            "category": "service",
            "subject": "Chậm quá",
            "message": "Trang tải rất chậm",
            "contact": {"email": "cham@example.com"},
        },
    )
    resolution = "Đã gọi lại anh Bình ở số 0967 915 569"
    assert patch(aws, filed["complaint_id"], {"status": "RESOLVED", "resolution": resolution})[0]
    dynamodb = boto3.client("dynamodb")
    table = aws.function("complaints").environment["CUSTOMERS_TABLE"]
    dumped = repr(dynamodb.scan(TableName=table)["Items"])
    for value in ("Chậm quá", "Trang tải rất chậm", "cham@example.com", resolution):
        assert value not in dumped
    assert resolution in aws.messages_to("cham@example.com")[-1]["body"]


@pytest.mark.clause("P6.2")
@pytest.mark.parametrize("kind", ["guest", "customer"])
def test_a_caller_files_at_most_five_complaints_a_day(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """API.md, Limits: the sixth is 429 and files nothing; a retry of a filed one is still
    answered as filed, and other callers are not held back."""
    now = datetime.now(UTC)
    monkeypatch.setattr(send_limits, "utcnow", lambda: now)  # one day's window
    who = guest() if kind == "guest" else customer(registered(aws)[1])
    subject = f"flood {uuid.uuid4().hex[:8]}"
    contact = {"email": "khach@example.com"}
    body = {"category": "other", "subject": subject, "message": "m", "contact": contact}

    def send(key: str, identity: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return aws.call(
            "complaints",
            "POST",
            "/v1/complaints",
            body=body,
            identity=identity,
            headers={"Idempotency-Key": key},
        )

    keys = [str(uuid.uuid4()) for _ in range(6)]
    answers = [send(key, who) for key in keys]
    assert [status for status, _ in answers] == [201] * 5 + [429]
    assert answers[-1][1]["error"]["code"] == "TOO_MANY_REQUESTS"
    assert sum(c["subject"] == subject for c in queue(aws)) == 5
    forget_answers(aws, "complaints")  # the retry runs the route again
    assert send(keys[0], who) == answers[0]
    assert send(keys[-1], guest())[0] == 201
