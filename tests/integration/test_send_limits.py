"""No SMS or email pumping (P1.2, issue 12): codes go only to allowed country codes, at most 3 an
hour and 10 a day to one address, and a caller starts at most 100 sends an hour (5 here). Over a
limit the answer is the same 202 and nothing is sent; the hit is a metric without personal
values."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ongpt import send_limits
from ongpt.notify import Kind, Notifier
from ongpt.stores import NoticeLog
from tests.support.deployed import Deployed, guest
from tests.support.journeys import e164, me, new_phone, registered, registration, start

pytestmark = pytest.mark.clause("P1.2")


def test_sign_ups_to_one_phone_send_it_three_codes_an_hour_and_ten_a_day(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    phone = new_phone()
    sent = []
    for hour in range(4):
        # four hours inside one UTC day: the daily window starts at midnight
        later = datetime.now(UTC).replace(hour=1) + timedelta(hours=hour)
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


@pytest.fixture
def five_an_hour(monkeypatch: pytest.MonkeyPatch) -> int:
    """The per-caller limit lowered, so that a test need not make a hundred requests."""
    monkeypatch.setattr(send_limits, "PER_CALLER", (send_limits.Window("hour", 3600, 5),))
    return 5


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


def test_edit_requests_send_a_new_phone_three_codes_an_hour(aws: Deployed) -> None:
    _, cid = registered(aws)
    phone = e164(new_phone())
    for _ in range(5):
        status, created = me(
            aws, cid, "POST", "/v1/me/edit-requests", {"changes": {"phone": phone}, "reason": "x"}
        )
        assert (status, created["status"]) == (202, "PENDING_VERIFICATION")
    assert len(aws.messages_to(phone)) == 3


def test_a_customer_over_the_hourly_limit_of_code_sends_sends_nothing(
    aws: Deployed, five_an_hour: int
) -> None:
    _, cid = registered(aws)
    emails = [f"new.{uuid.uuid4().hex[:10]}@example.com" for _ in range(five_an_hour + 1)]
    for email in emails:
        body = {"changes": {"email": email}, "reason": "x"}
        assert me(aws, cid, "POST", "/v1/me/edit-requests", body)[0] == 202
    assert [bool(aws.messages_to(email)) for email in emails] == [True] * five_an_hour + [False]


@pytest.mark.parametrize("phone", ["+14155552671", "+44 20 7946 0958", "+65 6123 4567"])
def test_a_phone_outside_the_allowed_country_codes_is_refused_as_bad_input(
    aws: Deployed, phone: str
) -> None:
    status, answer = start(aws, registration(phone=phone))
    assert (status, answer["error"]["code"]) == (400, "VALIDATION_ERROR")
    assert [f["field"] for f in answer["error"]["fields"]] == ["phone"]
    assert "+84" in answer["error"]["fields"][0]["message"]
    assert aws.messages_to(phone.replace(" ", "")) == []


def test_the_sender_refuses_sms_outside_the_allowed_country_codes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Defence in depth: also a number kept from before the list changed gets nothing."""
    published: list[dict[str, Any]] = []

    class Sns:
        def publish(self, **message: Any) -> None:
            published.append(message)

    notifier = Notifier(
        None,
        Sns(),
        "no-reply@ongpt.vn",
        "set",
        history=NoticeLog(None, "unused"),  # no customer: no history
        sms_country_codes=("84",),
    )
    notifier.sms("+14155552671", Kind.REGISTRATION_CODE, "en", code="123456")
    assert published == []
    notifier.sms("+84967915569", Kind.REGISTRATION_CODE, "en", code="123456")
    assert [m["PhoneNumber"] for m in published] == ["+84967915569"]
    metrics = capsys.readouterr().out
    assert '"CodeSendsLimited"' in metrics
    assert "4155552671" not in metrics
