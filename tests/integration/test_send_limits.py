"""No SMS or email pumping (P1.2, issue 12): codes go only to allowed country codes, at most 3 an
hour and 10 a day to one address, and a caller starts at most 100 sends an hour (5 here). Over a
limit the answer is the same 202 and nothing is sent; the hit is a metric without personal
values."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import boto3
import pytest

from ongpt.notify import send_limits
from ongpt.notify.delivery import Kind, Notifier
from ongpt.notify.store import NoticeStore
from tests.support.deployed import Deployed, guest
from tests.support.journeys import e164, me, registered, registration, start
from tests.support.lifecycle import start_recovery
from tests.support.phones import new_phone

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_sesv2.client import SESV2Client
    from mypy_boto3_sns.client import SNSClient


@pytest.mark.clause("P1.2")
def test_sign_ups_to_one_phone_send_it_three_codes_an_hour_and_ten_a_day(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    phone = new_phone()
    sent = []
    # Four hours of one UTC day: from 21:00 UTC on, "now + 3 hours" would be the next day,
    # whose daily window starts afresh.
    day_start = datetime.now(UTC).replace(hour=1, minute=0, second=0, microsecond=0)
    for hour in range(4):
        later = day_start + timedelta(hours=hour)
        monkeypatch.setattr(send_limits, "utcnow", lambda at=later: at)
        for _ in range(5):
            status, _ = start(aws, registration(phone=phone))
            assert status == 202  # the same answer over the limit: no enumeration
        sent.append(len(aws.messages_to(e164(phone))))
    assert sent == [3, 6, 9, 10]
    metrics = capsys.readouterr().out
    assert '"CodeSendsLimited"' in metrics
    assert e164(phone) not in metrics
    assert phone not in metrics


@pytest.mark.clause("P1.2")
def test_strangers_sign_ups_with_an_address_leave_its_owner_their_codes(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The messages others' requests cause have a budget of their own, one a day: ten sign-ups
    with a customer's email tell them once, another customer's edit requests to it add nothing,
    and their own recovery still gets both codes."""
    now = datetime.now(UTC)
    monkeypatch.setattr(send_limits, "utcnow", lambda: now)  # one hour window, one day
    owner, _ = registered(aws)
    _, stranger = registered(aws)
    email, phone = owner["email"], e164(owner["phone"])
    told_before = len(aws.messages_to(email))
    for _ in range(10):
        assert start(aws, registration(email=email))[0] == 202
    for _ in range(3):
        asked = {"changes": {"email": email}, "reason": "x"}
        assert me(aws, stranger, "POST", "/v1/me/edit-requests", asked)[0] == 202
    assert len(aws.messages_to(email)) == told_before + 1
    sent_before = {address: len(aws.messages_to(address)) for address in (email, phone)}
    assert start_recovery(aws, email, owner["phone"])[0] == 202
    sent = {a: len(aws.messages_to(a)) - sent_before[a] for a in sent_before}
    assert sent == {email: 1, phone: 1}  # a code to each


@pytest.fixture
def five_an_hour(monkeypatch: pytest.MonkeyPatch) -> int:
    """The per-caller limit lowered, so that a test need not make a hundred requests."""
    monkeypatch.setattr(send_limits, "PER_CALLER", (send_limits.Window("hour", 3600, 5),))
    return 5


@pytest.mark.clause("P1.2")
def test_a_caller_over_its_hourly_limit_sends_nothing(aws: Deployed, five_an_hour: int) -> None:
    caller = guest()
    emails = [f"an.{uuid.uuid4().hex[:10]}@example.com" for _ in range(five_an_hour + 2)]
    for email in emails:
        status, accepted = start(aws, registration(email=email), identity=caller)
        assert (status, accepted["status"]) == (202, "PENDING_VERIFICATION")
    assert [bool(aws.messages_to(email)) for email in emails] == [True] * five_an_hour + [False] * 2
    other = registration()
    assert start(aws, other)[0] == 202
    assert aws.messages_to(other["email"])  # another caller is not held back


@pytest.mark.clause("P1.2")
def test_edit_requests_send_a_new_phone_three_codes_an_hour(aws: Deployed) -> None:
    _, cid = registered(aws)
    phone = e164(new_phone())
    for _ in range(5):
        status, created = me(
            aws, cid, "POST", "/v1/me/edit-requests", {"changes": {"phone": phone}, "reason": "x"}
        )
        assert (status, created["status"]) == (202, "PENDING_VERIFICATION")
        _withdrawn(aws, cid, created["edit_request_id"])  # at most 3 may be open
    assert len(aws.messages_to(phone)) == 3


@pytest.mark.clause("P1.2")
def test_a_customer_over_the_hourly_limit_of_code_sends_sends_nothing(
    aws: Deployed, five_an_hour: int
) -> None:
    _, cid = registered(aws)
    emails = [f"new.{uuid.uuid4().hex[:10]}@example.com" for _ in range(five_an_hour + 1)]
    for email in emails:
        body = {"changes": {"email": email}, "reason": "x"}
        status, created = me(aws, cid, "POST", "/v1/me/edit-requests", body)
        assert status == 202
        _withdrawn(aws, cid, created["edit_request_id"])  # at most 3 may be open
    assert [bool(aws.messages_to(email)) for email in emails] == [True] * five_an_hour + [False]


def _withdrawn(aws: Deployed, customer_id: str, edit_id: str) -> None:
    """The request withdrawn; a withdrawal does not give back the codes it sent."""
    path = f"/v1/me/edit-requests/{edit_id}/withdraw"
    assert me(aws, customer_id, "POST", path)[0] == 200


@pytest.mark.clause("P1.2")
@pytest.mark.parametrize("phone", ["+14155552671", "+44 20 7946 0958", "+65 6123 4567"])
def test_a_phone_outside_the_allowed_country_codes_is_refused_as_bad_input(
    aws: Deployed, phone: str
) -> None:
    status, answer = start(aws, registration(phone=phone))
    assert (status, answer["error"]["code"]) == (400, "VALIDATION_ERROR")
    assert [f["field"] for f in answer["error"]["fields"]] == ["phone"]
    assert "+84" in answer["error"]["fields"][0]["message"]
    assert aws.messages_to(phone.replace(" ", "")) == []


@pytest.mark.clause("P1.2")
def test_the_sender_refuses_sms_outside_the_allowed_country_codes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Defence in depth: also a number kept from before the list changed gets nothing."""
    published: list[dict[str, Any]] = []

    class Sns:
        def publish(self, **message: Any) -> None:
            published.append(message)

    notifier = Notifier(
        cast("SESV2Client", None),  # no email is sent
        cast("SNSClient", Sns()),
        "no-reply@ongpt.vn",
        "set",
        notice_store=NoticeStore(cast("DynamoDBClient", None), "unused"),  # no customer: no history
        sms_country_codes=("84",),
    )
    notifier.sms("+14155552671", Kind.REGISTRATION_CODE, "en", code="123456")
    assert published == []
    notifier.sms("+84967915569", Kind.REGISTRATION_CODE, "en", code="123456")
    assert [m["PhoneNumber"] for m in published] == ["+84967915569"]
    metrics = capsys.readouterr().out
    assert '"CodeSendsLimited"' in metrics
    assert "4155552671" not in metrics


@pytest.mark.clause("P1.2", "P4")
def test_each_send_counter_expires_when_its_window_ends(aws: Deployed) -> None:
    """The README's retention row: a counter (an address's blind index, a caller's hash) is kept
    for its window, an hour or a UTC day, and no longer."""
    table = aws.function("registration").environment["REGISTRATIONS_TABLE"]

    def counters() -> dict[str, dict[str, Any]]:
        pages = boto3.client("dynamodb").get_paginator("scan").paginate(TableName=table)
        items = (item for page in pages for item in page["Items"])
        return {i["pk"]["S"]: i for i in items if i["pk"]["S"].startswith("LIMIT#")}

    before = counters()
    start(aws, registration())  # new addresses: counters of their own, at the real time
    new = [item for pk, item in counters().items() if pk not in before]
    windows = {"hour": 3600, "day": 86400}
    assert {c["pk"]["S"].split("#")[-2] for c in new} == set(windows)
    for counter in new:
        window, window_start = counter["pk"]["S"].split("#")[-2:]
        expires = int(counter["expires_at_epoch"]["N"])
        assert expires == int(window_start) + windows[window]
        assert expires - datetime.now(UTC).timestamp() <= windows[window]
