"""A customer whose Cognito user was deleted outside the service (issue 25, item 4): every path
that acts on it answers something defined, never a 503 that no retry can end, and staff are
alerted (the metric ``SignInsMissing``, alarmed)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3
import pytest

from ongpt.platform.clock import parse
from tests.support.deployed import Deployed, customer, guest
from tests.support.jobs import run_scheduled
from tests.support.journeys import code_to, decide, e164, filed_edit, me, registered
from tests.support.lifecycle import (
    close,
    lifecycle,
    pool_of,
    reactivate,
    start_recovery,
)
from tests.support.metrics import emitted

NEW_PASSWORD = "another-Horse-battery-7"


def deleted_in_cognito(aws: Deployed, customer_id: str) -> None:
    """The customer's Cognito user deleted, as Cognito's own DeleteUser would."""
    idp, pool_id, _ = pool_of(aws)
    idp.admin_delete_user(UserPoolId=pool_id, Username=customer_id)


def status_of(aws: Deployed, customer_id: str) -> str:
    item = boto3.client("dynamodb").get_item(
        TableName=aws.function("me").environment["CUSTOMERS_TABLE"],
        Key={"pk": {"S": f"CUSTOMER#{customer_id}"}, "sk": {"S": "PROFILE"}},
    )["Item"]
    return str(item["status"]["S"])


def alerted(capsys: pytest.CaptureFixture[str]) -> bool:
    return emitted(capsys.readouterr().out, "SignInsMissing") != []


@pytest.mark.clause("P2.5", "P4")
def test_signing_out_a_missing_sign_in_is_done(
    aws: Deployed, capsys: pytest.CaptureFixture[str]
) -> None:
    _, cid = registered(aws)
    deleted_in_cognito(aws, cid)
    capsys.readouterr()
    assert lifecycle(aws, "POST", "/v1/me/sign-out", customer(cid))[0] == 204
    assert alerted(capsys)


@pytest.mark.clause("P2.5", "P4")
def test_a_missing_sign_in_does_not_stop_a_closure_and_the_erasure_finishes_it(
    aws: Deployed, capsys: pytest.CaptureFixture[str]
) -> None:
    """Sign-in is off already: the account closes, closing again answers the same, and it is
    erased in its time (the erasure counts the user deleted)."""
    _, cid = registered(aws)
    deleted_in_cognito(aws, cid)
    capsys.readouterr()
    status, closing = close(aws, cid)
    assert (status, closing["status"]) == (202, "CLOSING")
    assert close(aws, cid) == (202, closing)
    assert alerted(capsys)
    erase_at = parse(closing["erase_after"]) + timedelta(hours=1)
    assert run_scheduled(aws, "erasure", erase_at)["erased"] >= 1
    assert status_of(aws, cid) == "ERASED"


@pytest.mark.clause("P2.5", "P4")
def test_a_missing_sign_in_is_not_reactivated(
    aws: Deployed, capsys: pytest.CaptureFixture[str]
) -> None:
    _, cid = registered(aws)
    assert close(aws, cid)[0] == 202
    deleted_in_cognito(aws, cid)
    capsys.readouterr()
    status, answer = reactivate(aws, cid)
    assert (status, answer["error"]["code"]) == (409, "CONFLICT")
    assert status_of(aws, cid) == "CLOSING"  # erased in its time
    assert alerted(capsys)


@pytest.mark.clause("P2.5", "P4")
def test_a_missing_sign_in_cannot_be_recovered_and_a_retry_answers_the_same(
    aws: Deployed, capsys: pytest.CaptureFixture[str]
) -> None:
    body, cid = registered(aws)
    status, started = start_recovery(aws, body["email"], body["phone"])
    assert status == 202
    deleted_in_cognito(aws, cid)
    capsys.readouterr()
    codes = {
        "email_code": code_to(aws, body["email"]),
        "phone_code": code_to(aws, e164(body["phone"])),
    }
    path = f"/v1/recoveries/{started['recovery_id']}/verification"
    for _ in range(2):
        verification = {**codes, "new_password": NEW_PASSWORD, "reset_mfa": True}
        status, answer = lifecycle(aws, "POST", path, guest(), verification)
        assert (status, answer["error"]["code"]) == (409, "CONFLICT")
    assert alerted(capsys)


@pytest.mark.clause("P2.5", "P6.1")
def test_an_approved_edit_of_a_missing_sign_in_corrects_the_profile_alone(
    aws: Deployed, capsys: pytest.CaptureFixture[str]
) -> None:
    """Correcting the record (GDPR 16) needs no sign-in: the profile changes alone."""
    cid, eid, new_email = filed_edit(aws)
    verification: dict[str, Any] = {"email_code": code_to(aws, new_email)}
    path = f"/v1/me/edit-requests/{eid}/verification"
    assert me(aws, cid, "POST", path, verification)[0] == 200
    deleted_in_cognito(aws, cid)
    capsys.readouterr()
    assert decide(aws, eid, "approve") == (200, {"edit_request_id": eid, "status": "APPLIED"})
    assert alerted(capsys)
    status, profile = aws.call("me", "GET", "/v1/me", identity=customer(cid))
    assert (status, profile["email"]) == (200, new_email)
