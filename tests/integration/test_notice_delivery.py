"""One shape for every write (issue 14): a change, its audit entry and its notices commit in one
transaction or not at all; the delivery worker sends each notice from the outbox's stream, retries
a failed send, and never sends again a notice that may have gone out: a send whose mark failed is
marked later without a second send, and a delivery that died after the send leaves its notice
claimed and counted, never sent twice (``ongpt.notify.dispatch``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ongpt.notify import dispatch
from ongpt.storage import retries
from ongpt.storage.outbox import STALE_CLAIM, Outbox
from tests.support.deployed import Deployed, customer, staff
from tests.support.journeys import audit_items, contract, e164, new_contract, registered
from tests.support.metrics import emitted
from tests.support.refusals import failing_email_once


def _confirmations(aws: Deployed, address: str) -> list[dict[str, Any]]:
    return [m for m in aws.messages_to(address) if m["body"].startswith(("Hợp đồng", "OnGPT: hop"))]


def _outbox(aws: Deployed) -> list[dict[str, Any]]:
    table = aws.function("notice_delivery").environment["OUTBOX_TABLE"]
    return boto3.client("dynamodb").scan(TableName=table)["Items"]


@pytest.mark.clause("P3.2", "P4")
def test_a_write_whose_transaction_fails_leaves_no_contract_no_entry_and_no_notice(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    body, cid = registered(aws)
    entries_before, outbox_before = audit_items(aws, cid)[2], len(_outbox(aws))
    real = vars(BaseClient)["_make_api_call"]  # private to botocore

    def refusing_transactions(client: BaseClient, operation: str, params: Any) -> Any:
        if operation == "TransactWriteItems":  # as DynamoDB fails after the SDK's retries
            raise ClientError({"Error": {"Code": "InternalServerError"}}, operation)
        return real(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", refusing_transactions)
    request = new_contract(cid, 100)
    status, answer = aws.call(
        "contracts", "POST", "/v1/staff/contracts", identity=staff("Support"), body=request
    )
    monkeypatch.undo()
    assert (status, answer["error"]["code"]) == (503, "SERVICE_UNAVAILABLE")
    assert aws.call("me", "GET", "/v1/me/contracts", identity=customer(cid))[1]["contracts"] == []
    assert audit_items(aws, cid)[2] == entries_before
    assert len(_outbox(aws)) == outbox_before
    assert _confirmations(aws, body["email"]) == []
    status, _ = aws.call(
        "contracts", "POST", "/v1/staff/contracts", identity=staff("Support"), body=request
    )
    assert status == 201
    assert (
        len(aws.call("me", "GET", "/v1/me/contracts", identity=customer(cid))[1]["contracts"]) == 1
    )
    assert len(_confirmations(aws, body["email"])) == 1


@pytest.mark.clause("P3.2")
def test_a_failed_send_is_retried_from_the_stream_and_sent_once(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    body, cid = registered(aws)
    failing_email_once(monkeypatch)
    contract(aws, cid, 100)  # its notices are delivered after the call: the email fails
    assert _confirmations(aws, body["email"]) == []
    aws.deliver_notices()  # the stream's retry
    assert len(_confirmations(aws, body["email"])) == 1
    assert len(_confirmations(aws, e164(body["phone"]))) == 1
    aws.deliver_notices()
    assert len(_confirmations(aws, body["email"])) == 1


def _states(aws: Deployed, cid: str) -> dict[str, tuple[str, bool]]:
    """The customer's notices by channel: their state, and whether a send is noted on them."""
    mine = [i for i in _outbox(aws) if i.get("customer_id", {}).get("S") == cid]
    return {i["channel"]["S"]: (i["state"]["S"], "sent_at" in i) for i in mine}


def _history(aws: Deployed, cid: str) -> list[str]:
    status, answer = aws.call("me", "GET", "/v1/me/notifications", identity=customer(cid))
    assert status == 200, answer
    return sorted(f"{n['type']} {n['channel']}" for n in answer["notifications"])


CONTRACT_HISTORY = ["contract_confirmation email", "contract_confirmation sms"]


def _contract_with_failing_marks(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch, times: int
) -> tuple[dict[str, Any], str, list[str]]:
    """A customer's contract, its notices delivered once (no redelivery) while the mark's
    transaction fails as DynamoDB throttles after the SDK's retries, ``times`` times: the
    registration, the customer, the failures made."""
    body, cid = registered(aws)
    original, failures = Outbox.finish, list[str]()

    def failing(self: Outbox, *args: Any, **kwargs: Any) -> None:
        if len(failures) < times:
            failures.append("finish")
            error = {"Error": {"Code": "ProvisionedThroughputExceededException"}}
            raise ClientError(error, "TransactWriteItems")  # type: ignore[arg-type]
        original(self, *args, **kwargs)

    monkeypatch.setattr(Outbox, "finish", failing)
    contract(aws, cid, 100)
    monkeypatch.undo()
    return body, cid, failures


@pytest.mark.clause("P3.2")
def test_a_mark_that_fails_after_the_send_is_tried_again_in_the_same_delivery(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    body, cid, failures = _contract_with_failing_marks(aws, monkeypatch, times=1)
    assert failures == ["finish"]
    assert _states(aws, cid) == {"email": ("SENT", False), "sms": ("SENT", False)}
    assert _history(aws, cid) == CONTRACT_HISTORY
    assert len(_confirmations(aws, body["email"])) == 1


@pytest.mark.clause("P3.2")
def test_a_send_whose_mark_keeps_failing_is_noted_and_marked_by_the_redelivery_without_a_resend(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    body, cid, failures = _contract_with_failing_marks(aws, monkeypatch, times=10**6)
    assert len(failures) == 2 * retries.TRIES  # each notice's mark, tried again, then given up
    assert _states(aws, cid) == {"email": ("CLAIMED", True), "sms": ("CLAIMED", True)}
    assert _history(aws, cid) == []
    aws.deliver_notices()  # the stream's retry
    assert _states(aws, cid) == {"email": ("SENT", True), "sms": ("SENT", True)}
    assert _history(aws, cid) == CONTRACT_HISTORY
    assert len(_confirmations(aws, body["email"])) == 1
    assert len(_confirmations(aws, e164(body["phone"]))) == 1


@pytest.mark.clause("P3.2")
def test_a_claim_whose_answer_was_lost_and_sent_again_by_the_sdk_is_still_the_deliverys_own(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """botocore sends a request again when its answer timed out: the claim's second request then
    finds the notice claimed, by the first, and fails its condition."""
    body, cid = registered(aws)
    real, lost = vars(BaseClient)["_make_api_call"], list[str]()

    def answer_lost_once(client: BaseClient, operation: str, params: Any) -> Any:
        claiming = params.get("UpdateExpression", "").endswith("claimed_at = :at")
        if operation == "UpdateItem" and claiming and not lost:
            lost.append(params["Key"]["notice_id"]["S"])
            real(client, operation, params)  # done, but its answer never came
        return real(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", answer_lost_once)
    contract(aws, cid, 100)  # its notices delivered once, no redelivery
    monkeypatch.undo()
    assert len(lost) == 1
    assert _states(aws, cid) == {"email": ("SENT", False), "sms": ("SENT", False)}
    assert _history(aws, cid) == CONTRACT_HISTORY
    assert len(_confirmations(aws, body["email"])) == 1


@pytest.mark.clause("P3.2")
def test_a_delivery_that_died_after_sending_leaves_its_notice_claimed_counted_and_not_resent(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    body, cid = registered(aws)
    original, deaths = Outbox.finish, list[int]()

    def dying_after_the_send(self: Outbox, *args: Any, **kwargs: Any) -> None:
        if not deaths:
            deaths.append(1)
            raise SystemExit("the function was killed after the provider took the message")
        original(self, *args, **kwargs)

    monkeypatch.setattr(Outbox, "finish", dying_after_the_send)
    with pytest.raises(SystemExit):
        contract(aws, cid, 100)
    monkeypatch.undo()
    aws.deliver_notices()  # retried at once: the claim is live, so it waits
    assert len(_confirmations(aws, body["email"])) == 1
    assert _states(aws, cid) == {"email": ("CLAIMED", False), "sms": ("SENT", False)}
    capsys.readouterr()
    later = datetime.now(UTC) + STALE_CLAIM + timedelta(seconds=1)
    monkeypatch.setattr(dispatch, "utcnow", lambda: later)
    aws.deliver_notices()  # stale, and no send noted: it may have gone out, so never again
    assert len(_confirmations(aws, body["email"])) == 1
    assert _states(aws, cid) == {"email": ("CLAIMED", False), "sms": ("SENT", False)}
    assert emitted(capsys.readouterr().out, "NoticesLeftClaimed") == [1]


@pytest.mark.clause("P4")
def test_a_notice_is_kept_fourteen_days_then_expires(aws: Deployed) -> None:
    """Retention: an outbox item carries its TTL, 14 days after it was written, sent or not."""
    _, cid = registered(aws)
    before = int((datetime.now(UTC) + timedelta(days=14)).timestamp())
    status, _ = aws.call(
        "contracts",
        "POST",
        "/v1/staff/contracts",
        identity=staff("Support"),
        body=new_contract(cid, 120),
    )
    after = int((datetime.now(UTC) + timedelta(days=14)).timestamp()) + 1
    assert status == 201
    expiring = [
        int(i["expires_at_epoch"]["N"])
        for i in _outbox(aws)
        if i.get("customer_id", {}).get("S") == cid  # not an earlier test's, same second
    ]
    # The contract's two notices (email and SMS) expire 14 days after they were written.
    assert len(expiring) == 2
    assert all(before <= at <= after for at in expiring)
