"""P6.2, P3.6: complaints from guests (with a contact) and customers (their account's), a staff
queue by status, transitions OPEN -> IN_PROGRESS -> RESOLVED | REJECTED, the outcome told."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.integration.test_registration import registered
from tests.support.deployed import Deployed, customer, deployed, guest, staff

pytestmark = pytest.mark.clause("P6.2", "P3.6")


@pytest.fixture(scope="module")
def aws(assembly_dir: Path) -> Iterator[Deployed]:
    with deployed(assembly_dir) as env:
        yield env


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


def queue(aws: Deployed, status: str = "OPEN") -> list[dict[str, Any]]:
    code, body = aws.call(
        "complaints",
        "GET",
        "/v1/staff/complaints",
        identity=staff("Support"),
        query={"status": status},
    )
    assert code == 200
    return body["complaints"]  # type: ignore[no-any-return]


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
    assert "Đã xoá." in aws.messages_to(email)[-1]["body"]
    assert email not in every_log_line.getvalue()
    assert "0967915569" not in every_log_line.getvalue()


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


@pytest.mark.parametrize(
    ("steps", "bad"),
    [
        ([], {"status": "OPEN"}),
        ([], {"status": "RESOLVED", "resolution": "x"}),
        (
            [{"status": "IN_PROGRESS"}, {"status": "RESOLVED", "resolution": "x"}],
            {"status": "IN_PROGRESS"},
        ),
    ],
)
def test_invalid_transitions_are_409(
    aws: Deployed, steps: list[dict[str, Any]], bad: dict[str, Any]
) -> None:
    _, filed = file(
        aws,
        {"category": "other", "subject": "s", "message": "m", "contact": {"phone": "0967000222"}},
    )
    for step in steps:
        assert patch(aws, filed["complaint_id"], step)[0] == 200
    status, answer = patch(aws, filed["complaint_id"], bad)
    assert (status, answer["error"]["code"]) == (409, "CONFLICT")


def test_a_guest_without_a_contact_is_refused(aws: Deployed) -> None:
    status, answer = file(aws, {"category": "other", "subject": "s", "message": "m"})
    assert (status, answer["error"]["fields"][0]["field"]) == (400, "contact")


def test_complaint_text_is_not_stored_in_the_clear(aws: Deployed) -> None:
    file(
        aws,
        {
            "category": "service",
            "subject": "Chậm quá",
            "message": "Trang tải rất chậm",
            "contact": {"email": "cham@example.com"},
        },
    )
    dynamodb = boto3.client("dynamodb")
    table = aws.function("complaints").environment["CUSTOMERS_TABLE"]
    dumped = repr(dynamodb.scan(TableName=table)["Items"])
    for value in ("Chậm quá", "Trang tải rất chậm", "cham@example.com"):
        assert value not in dumped
