"""The lifecycle's writes in one transaction each (issue 14, DESIGN.md "One shape for every
write"): a closure, a reactivation and a recovery commit their change, their audit entry and
their notices (one outbox item per address) together or not at all; the delivery worker sends
the notices, retries a failed send from the stream, and sends each once."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from tests.support.deployed import Deployed, guest
from tests.support.failing import failing_once
from tests.support.journeys import audit_items, code_to, e164, registered
from tests.support.lifecycle import (
    close,
    cognito_user,
    lifecycle,
    reactivate,
    start_recovery,
)
from tests.support.refusals import failing_email_once, refusing

CLOSING_TEXT = ("mở lại", "mo lai")  # the closure notice (email, SMS) says how to undo it
REOPENED_TEXT = ("Đóng tài khoản", "Dong tai khoan")  # the reactivation's: how to close again
RECOVERED_TEXT = ("đã được khôi phục", "vua duoc khoi phuc")  # the notice, not the codes


def _actions(aws: Deployed, customer_id: str) -> list[str]:
    return [item["action"]["S"] for item in audit_items(aws, customer_id)[2]]


def _status(aws: Deployed, customer_id: str) -> str:
    table = aws.function("me").environment["CUSTOMERS_TABLE"]
    key = {"pk": {"S": f"CUSTOMER#{customer_id}"}, "sk": {"S": "PROFILE"}}
    return str(boto3.client("dynamodb").get_item(TableName=table, Key=key)["Item"]["status"]["S"])


def _outbox_of(aws: Deployed, customer_id: str) -> list[dict[str, Any]]:
    table = aws.function("notice_delivery").environment["OUTBOX_TABLE"]
    items = boto3.client("dynamodb").scan(TableName=table)["Items"]
    return [i for i in items if i.get("customer_id", {}).get("S") == customer_id]


def _told(aws: Deployed, body: dict[str, Any], *texts: str) -> dict[str, int]:
    """How many messages to each address of ``body`` hold one of ``texts``."""
    addresses = (body["email"].lower(), e164(body["phone"]))
    return {
        a: sum(any(t in f"{m['subject']} {m['body']}" for t in texts) for m in aws.messages_to(a))
        for a in addresses
    }


def _key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


# Closure


@pytest.mark.clause("P1.2", "P4")
def test_a_closure_whose_send_fails_is_closed_at_once_and_its_notice_sent_once_on_the_retry(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    body, cid = registered(aws)
    failures = failing_email_once(monkeypatch)
    status, closing = close(aws, cid, headers=_key())
    assert (status, closing["status"]) == (202, "CLOSING")  # the send is not the route's
    assert failures == ["email"]
    assert _status(aws, cid) == "CLOSING"
    aws.deliver_notices()  # the stream's retries
    aws.deliver_notices()
    assert set(_told(aws, body, *CLOSING_TEXT).values()) == {1}
    assert close(aws, cid) == (202, closing)  # again: nobody is told twice
    assert set(_told(aws, body, *CLOSING_TEXT).values()) == {1}


@pytest.mark.clause("P1.2", "P4")
def test_a_closure_whose_transaction_fails_leaves_the_account_open_with_no_entry_and_no_notice(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    body, cid = registered(aws)
    key = _key()
    with refusing(monkeypatch, "TransactWriteItems"):
        status, answer = close(aws, cid, headers=key)
    assert (status, answer["error"]["code"]) == (503, "SERVICE_UNAVAILABLE")
    assert _status(aws, cid) == "ACTIVE"
    assert cognito_user(aws, cid)["Enabled"] is True
    assert "account.close" not in _actions(aws, cid)
    assert _outbox_of(aws, cid) == []
    status, closing = close(aws, cid, headers=key)
    assert (status, closing["status"]) == (202, "CLOSING")
    assert _actions(aws, cid).count("account.close") == 1
    assert set(_told(aws, body, *CLOSING_TEXT).values()) == {1}


@pytest.mark.clause("P1.2", "P4")
def test_a_closure_whose_sign_in_change_fails_is_recorded_and_its_retry_turns_sign_in_off(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Decide, then act: the closure is recorded before Cognito is asked; its retry (the same
    Idempotency-Key) finishes it."""
    body, cid = registered(aws)
    key = _key()
    with monkeypatch.context() as patch:
        failing_once(patch, "InternalErrorException", "AdminDisableUser")
        status, answer = close(aws, cid, headers=key)
    assert (status, answer["error"]["code"]) == (503, "SERVICE_UNAVAILABLE")
    assert _status(aws, cid) == "CLOSING"
    assert cognito_user(aws, cid)["Enabled"] is True
    status, closing = close(aws, cid, headers=key)
    assert (status, closing["status"]) == (202, "CLOSING")
    assert cognito_user(aws, cid)["Enabled"] is False
    assert _actions(aws, cid).count("account.close") == 1
    assert set(_told(aws, body, *CLOSING_TEXT).values()) == {1}


# Reactivation


@pytest.mark.clause("P1.2", "P4")
def test_a_reactivation_tells_both_addresses_once_how_to_close_again(aws: Deployed) -> None:
    body, cid = registered(aws)
    assert close(aws, cid)[0] == 202
    assert reactivate(aws, cid) == (200, {"status": "ACTIVE"})
    assert reactivate(aws, cid)[0] == 409  # nothing to undo: nobody told again
    assert set(_told(aws, body, *REOPENED_TEXT).values()) == {1}
    (notice,) = [m for m in aws.messages_to(body["email"].lower()) if "mở lại" in m["subject"]]
    assert "Đóng tài khoản" in notice["body"]


@pytest.mark.clause("P1.2", "P4")
def test_a_reactivation_whose_sign_in_change_fails_is_recorded_and_its_retry_turns_sign_in_on(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    body, cid = registered(aws)
    assert close(aws, cid)[0] == 202
    key = _key()
    with monkeypatch.context() as patch:
        failing_once(patch, "InternalErrorException", "AdminEnableUser")
        status, answer = reactivate(aws, cid, headers=key)
    assert (status, answer["error"]["code"]) == (503, "SERVICE_UNAVAILABLE")
    assert _status(aws, cid) == "ACTIVE"
    assert cognito_user(aws, cid)["Enabled"] is False
    assert reactivate(aws, cid, headers=key) == (200, {"status": "ACTIVE"})
    assert cognito_user(aws, cid)["Enabled"] is True
    assert _actions(aws, cid).count("account.reactivate") == 1
    assert set(_told(aws, body, *REOPENED_TEXT).values()) == {1}


@pytest.mark.clause("P1.2", "P4")
def test_a_reactivation_whose_transaction_fails_leaves_the_account_closing_unaudited_and_off(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, cid = registered(aws)
    assert close(aws, cid)[0] == 202
    with refusing(monkeypatch, "TransactWriteItems"):
        status, answer = reactivate(aws, cid)
    assert (status, answer["error"]["code"]) == (503, "SERVICE_UNAVAILABLE")
    assert _status(aws, cid) == "CLOSING"
    assert cognito_user(aws, cid)["Enabled"] is False
    assert "account.reactivate" not in _actions(aws, cid)
    assert reactivate(aws, cid) == (200, {"status": "ACTIVE"})
    assert _actions(aws, cid).count("account.reactivate") == 1


# Recovery


def _recovery(aws: Deployed) -> tuple[dict[str, Any], str, Callable[[], tuple[int, Any]]]:
    """A registered customer, their id, and the verification of a recovery of their account
    (the same request, and Idempotency-Key, each time)."""
    body, cid = registered(aws)
    _, started = start_recovery(aws, body["email"], body["phone"])
    proof = {
        "email_code": code_to(aws, body["email"].lower()),
        "phone_code": code_to(aws, e164(body["phone"])),
        "reset_mfa": True,
    }
    path, key, caller = f"/v1/recoveries/{started['recovery_id']}/verification", _key(), guest()
    return body, cid, lambda: lifecycle(aws, "POST", path, caller, proof, headers=key)


@pytest.mark.clause("P2.5", "P4")
def test_a_recovery_whose_send_fails_is_recovered_at_once_and_both_told_once_on_the_retry(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    body, cid, verify = _recovery(aws)
    failures = failing_email_once(monkeypatch)
    assert verify() == (200, {"status": "RECOVERED"})
    assert failures == ["email"]
    assert _actions(aws, cid).count("account.recover") == 1
    aws.deliver_notices()  # the stream's retries
    aws.deliver_notices()
    assert set(_told(aws, body, *RECOVERED_TEXT).values()) == {1}
    assert verify() == (200, {"status": "RECOVERED"})
    assert set(_told(aws, body, *RECOVERED_TEXT).values()) == {1}


@pytest.mark.clause("P2.5", "P4")
def test_a_recovery_whose_transaction_fails_is_not_recovered_audited_or_told_and_the_retry_is(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    body, cid, verify = _recovery(aws)
    with refusing(monkeypatch, "TransactWriteItems"):
        status, answer = verify()
    assert (status, answer["error"]["code"]) == (503, "SERVICE_UNAVAILABLE")
    assert "account.recover" not in _actions(aws, cid)
    assert _outbox_of(aws, cid) == []
    assert verify() == (200, {"status": "RECOVERED"})
    assert _actions(aws, cid).count("account.recover") == 1
    assert set(_told(aws, body, *RECOVERED_TEXT).values()) == {1}
