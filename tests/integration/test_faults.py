"""Fault injection (issue 8): each AWS call of registration verification, the registration codes
worker, edit approval, the expiry job, the announcement worker and a closure fails in turn with its
service's error (the first call to each service also with a timeout; of a run of the same call,
the first). Each time: a clean 503
(or a failed job or batch item, which is retried), nothing half-written, and after the retry
everything done once, each message sent once."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from moto.cognitoidp.models import cognitoidp_backends
from moto.dynamodb.models import dynamodb_backends

from local.template import ACCOUNT_ID
from ongpt.contracts.models import ReminderDeadLetter
from ongpt.customers.store import active_shard
from tests.support.deployed import Deployed, staff
from tests.support.events import sqs_event
from tests.support.faults import CallLog, Fault, calls_of, faults_of
from tests.support.jobs import run_job, work
from tests.support.journeys import (
    CONTRACTS_NOW,
    code_to,
    contract,
    decide,
    e164,
    me,
    put_consent,
    registered,
    registration,
    reminders,
    start,
    verify,
)
from tests.support.lifecycle import close, cognito_user, reactivate

REGION = "ap-southeast-1"  # tests/support/deployed.py


def snapshot() -> dict[str, Any]:
    """Every item of the customers' and registrations' tables, and every Cognito user. (Audit
    entries are left out: a decision is audited before it is tried, and stays so.)

    Read from moto's backends in this process, as a Scan and ListUsers would answer: through
    botocore, whole-table reads cost more with every fault, as each fault's journey adds a
    customer."""
    tables = {
        name: sorted(
            json.dumps(item.to_json()["Attributes"], sort_keys=True, default=bytes.hex)
            for item in items
        )
        for name, items in _tables().items()
        if "Customers" in name or "Registrations" in name
    }
    users = sorted(
        json.dumps(
            {"name": user.username, "attributes": user.attributes, "on": user.enabled},
            sort_keys=True,
        )
        for pool in cognitoidp_backends[ACCOUNT_ID][REGION].user_pools.values()
        for user in pool.users.values()
    )
    return {"tables": tables, "users": users}


def _tables() -> dict[str, list[Any]]:
    """Each table's items, as moto holds them."""
    backend = dynamodb_backends[ACCOUNT_ID][REGION]
    return {name: table.all_items() for name, table in backend.tables.items()}


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What differs between two snapshots: items (or users) gone and new, per table."""
    return {
        f"{part}:{name}": {"gone": sorted(set(old) - set(new)), "new": sorted(set(new) - set(old))}
        for part in ("tables", "users")
        for name, old, new in (
            [(n, before[part][n], after[part].get(n, [])) for n in before[part]]
            if part == "tables"
            else [("cognito", before[part], after[part])]
        )
        if old != new
    }


def injected(monkeypatch: pytest.MonkeyPatch, fault: Fault, run: Callable[[], Any]) -> Any:
    with CallLog(fail=fault).installed(monkeypatch) as log:
        result = run()
    assert len(log.calls) > fault.call, f"{fault}: the call was never reached"
    return result


def refused(answer: tuple[int, dict[str, Any]], fault: Fault) -> None:
    status, body = answer
    assert (status, body.get("error", {}).get("code")) == (503, "SERVICE_UNAVAILABLE"), (
        f"{fault}: {status} {body}"
    )


@pytest.mark.clause("P2.1", "P4")
def test_verification(aws: Deployed, monkeypatch: pytest.MonkeyPatch) -> None:
    def begun() -> tuple[dict[str, Any], Callable[[], tuple[int, dict[str, Any]]]]:
        body = registration()
        _, accepted = start(aws, body)
        rid = accepted["registration_id"]
        return body, lambda: verify(aws, rid, body["email"], e164(body["phone"]))

    _, clean = begun()
    calls = calls_of(monkeypatch, clean)
    for fault in faults_of(calls):
        body, attempt = begun()
        before, sent = snapshot(), _sent(aws, body["email"], e164(body["phone"]))
        refused(injected(monkeypatch, fault, attempt), fault)
        after = snapshot()
        assert after == before, f"{fault}: left half-written: {changes(before, after)}"
        status, created = attempt()
        assert status == 201, f"{fault}: the retry gave {status} {created}"
        assert _sent(aws, body["email"], e164(body["phone"])) == sent, fault
    print(f"\nverification: {len(calls)} AWS calls, {len(faults_of(calls))} faults: {calls}")


@pytest.mark.clause("P1.2", "P4")
def test_registration_codes_worker(aws: Deployed, monkeypatch: pytest.MonkeyPatch) -> None:
    def queued() -> tuple[dict[str, Any], dict[str, Any]]:
        body = registration()
        status, accepted = start(aws, body, deliver=False)
        assert status == 202
        message = {"registration_id": accepted["registration_id"], "round": 0, "notices": True}
        return body, sqs_event(json.dumps(message))

    _, clean = queued()
    calls = calls_of(monkeypatch, partial(work, aws, clean, "registration_codes"))
    for fault in faults_of(calls):
        body, event = queued()
        # The batch's only record failed: Powertools fails the invocation, SQS delivers it again.
        with suppress(BatchProcessingError):
            answer = injected(monkeypatch, fault, partial(work, aws, event, "registration_codes"))
            assert answer["batchItemFailures"] == [{"itemIdentifier": "m0"}], fault
        assert work(aws, event, "registration_codes")["batchItemFailures"] == [], fault
        addresses = (body["email"], e164(body["phone"]))
        assert _sent(aws, *addresses) == dict.fromkeys(addresses, 1), fault
        rid = json.loads(event["Records"][0]["body"])["registration_id"]
        assert verify(aws, rid, *addresses)[0] == 201, f"{fault}: the codes sent do not verify"
    print(f"\nregistration codes: {len(calls)} AWS calls, {len(faults_of(calls))} faults: {calls}")


@pytest.mark.clause("P2.1", "P4", "P6.1")
def test_edit_approval(aws: Deployed, monkeypatch: pytest.MonkeyPatch) -> None:
    def pending_review() -> tuple[str, dict[str, Any], str]:
        body, customer_id = registered(aws)
        new_email = f"moved.{customer_id[:8]}@example.com"
        status, created = me(
            aws,
            customer_id,
            "POST",
            "/v1/me/edit-requests",
            {"changes": {"email": new_email}, "reason": "new job"},
        )
        assert status == 202, created
        edit_id = created["edit_request_id"]
        status, _ = me(
            aws,
            customer_id,
            "POST",
            f"/v1/me/edit-requests/{edit_id}/verification",
            {"email_code": code_to(aws, new_email)},
        )
        assert status == 200
        return edit_id, body, new_email

    edit_id, _, _ = pending_review()
    # The approval's own calls; its notices' delivery is the delivery worker's (outbox).
    calls = calls_of(monkeypatch, lambda: decide(aws, edit_id, "approve", deliver=False))
    for fault in faults_of(calls):
        edit_id, body, new_email = pending_review()
        addresses = (body["email"], new_email, e164(body["phone"]))
        before, sent = snapshot(), _sent(aws, *addresses)
        approve = partial(decide, aws, edit_id, "approve", deliver=False)
        refused(injected(monkeypatch, fault, approve), fault)
        after = snapshot()
        assert after == before or _approved(aws, edit_id), f"{fault}: {changes(before, after)}"
        status, decided = decide(aws, edit_id, "approve")
        assert (status, decided.get("status")) == (200, "APPLIED"), f"{fault}: {decided}"
        told = _sent(aws, *addresses)
        assert told == {a: sent[a] + 1 for a in addresses}, f"{fault}: {sent} then {told}"
    print(f"\nedit approval: {len(calls)} AWS calls, {len(faults_of(calls))} faults: {calls}")


def _approved(aws: Deployed, edit_id: str) -> bool:
    """Whether the change itself was committed (a fault after it leaves only notices to send)."""
    wanted = {"edit_request_id": {"S": edit_id}, "status": {"S": "APPLIED"}}
    return any(
        wanted.items() <= item.to_json()["Attributes"].items()
        for name, items in _tables().items()
        if "Customers" in name
        for item in items
    )


@pytest.mark.clause("P3.4", "P4")
def test_expiry_job(aws: Deployed, monkeypatch: pytest.MonkeyPatch) -> None:
    body, customer_id = registered(aws)
    addresses = (body["email"], e164(body["phone"]))
    day = iter(range(1, 1000))

    def due_today() -> datetime:
        """A day on which only a new contract of this customer is due (7 days out)."""
        now = datetime(2027, 1, 1, 2, 0, tzinfo=UTC) + timedelta(days=100 * next(day))
        expires = now + timedelta(days=7)
        contract(aws, customer_id, (expires - CONTRACTS_NOW).days)
        return now

    first = due_today()
    calls = calls_of(monkeypatch, lambda: run_job(aws, first))
    for fault in faults_of(calls):
        now = due_today()
        before = {a: len(reminders(aws, a)) for a in addresses}
        with suppress(Exception):  # a failed run: EventBridge Scheduler retries it
            injected(monkeypatch, fault, partial(run_job, aws, now))
        run_job(aws, now)  # the retry
        run_job(aws, now)  # and one more: nothing more is sent
        dead = _dead_letters(aws)
        for address in addresses:
            got = len(reminders(aws, address)) - before[address]
            assert got == 1 or (got == 0 and dead), f"{fault}: {address} got {got}"
    print(f"\nexpiry job: {len(calls)} AWS calls, {len(faults_of(calls))} faults: {calls}")


def _dead_letters(aws: Deployed) -> list[ReminderDeadLetter]:
    """The reminders the job dead-lettered, taken off its DLQ: each body is the job's model."""
    sqs = boto3.client("sqs")
    url = aws.function("expiry_reminders").environment["JOB_DLQ_URL"]
    found = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    for message in found:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return [ReminderDeadLetter.model_validate_json(m["Body"]) for m in found]


@pytest.mark.clause("P3.3", "P4")
def test_announcement_worker(aws: Deployed, monkeypatch: pytest.MonkeyPatch) -> None:
    body, customer_id = registered(aws)
    shard = int(active_shard(customer_id).rsplit("#", 1)[1])

    def posted() -> tuple[str, dict[str, Any]]:
        title = f"Bảo trì {datetime.now(UTC).isoformat()}"
        status, answer = aws.call(
            "announcements",
            "POST",
            "/v1/staff/announcements",
            identity=staff("Admin"),
            body={"kind": "service_change", "title": title, "body": "Tối nay."},
        )
        assert status == 202
        message = json.dumps({"announcement_id": answer["announcement_id"], "shard": shard})
        return title, sqs_event(message)

    _, clean = posted()
    calls = calls_of(monkeypatch, lambda: work(aws, clean))
    for fault in faults_of(calls):
        title, event = posted()
        # The batch's only record failed: Powertools fails the invocation, SQS delivers it again.
        with suppress(BatchProcessingError):
            answer = injected(monkeypatch, fault, partial(work, aws, event))
            assert answer["batchItemFailures"] == [{"itemIdentifier": "m0"}], fault
        assert work(aws, event)["batchItemFailures"] == [], fault  # SQS delivers it again
        aws.deliver_notices()  # the outbox's stream, to the delivery worker
        got = [m for m in aws.messages_to(body["email"]) if title in (m["subject"] or "")]
        assert len(got) == 1, f"{fault}: {len(got)} messages"
    print(f"\nannouncement worker: {len(calls)} AWS calls, {len(faults_of(calls))} faults: {calls}")


def test_closure(aws: Deployed, monkeypatch: pytest.MonkeyPatch) -> None:
    """A closing customer with consents and an open edit request; each fault leaves the account
    as it was (or, after the closure committed, its notices to send), and the retry with the
    same Idempotency-Key closes it, each address told once."""

    body, customer_id = registered(aws)  # closed, then reopened by Support for the next fault
    attempts = iter(range(1000))

    def active() -> tuple[dict[str, Any], str, Callable[[], tuple[int, dict[str, Any]]]]:
        if _closing(customer_id):
            assert reactivate(aws, customer_id)[0] == 200
        assert put_consent(aws, customer_id, "marketing", {"granted": True})[0] == 200
        change = {"changes": {"full_name": "Lê Văn Bình"}, "reason": "typo"}
        assert me(aws, customer_id, "POST", "/v1/me/edit-requests", change)[0] == 202
        key = {"Idempotency-Key": f"close-{next(attempts)}"}
        # The closure's notices are the delivery worker's calls, not the route's: sent after.
        return body, customer_id, partial(close, aws, customer_id, headers=key, deliver=False)

    _, _, clean = active()
    calls = calls_of(monkeypatch, clean)
    for fault in faults_of(calls):
        _, _, attempt = active()
        addresses = (body["email"].lower(), e164(body["phone"]))
        before, sent = snapshot(), _sent(aws, *addresses)
        refused(injected(monkeypatch, fault, attempt), fault)
        after = snapshot()
        assert after == before or _closing(customer_id), f"{fault}: {changes(before, after)}"
        status, closing = attempt()
        if closing.get("error", {}).get("code") == "REQUEST_IN_PROGRESS":
            # The idempotency record's own completion failed: it stays in progress until the
            # function's timeout, after which the retry runs again (here: without the key).
            status, closing = close(aws, customer_id)
        assert (status, closing.get("status")) == (202, "CLOSING"), f"{fault}: {closing}"
        assert _closing(customer_id), fault
        assert cognito_user(aws, customer_id)["Enabled"] is False, fault
        aws.deliver_notices()
        told = _sent(aws, *addresses)
        assert told == {a: sent[a] + 1 for a in addresses}, f"{fault}: {sent} then {told}"
    print(f"\nclosure: {len(calls)} AWS calls, {len(faults_of(calls))} faults: {calls}")


def _closing(customer_id: str) -> bool:
    dynamodb = boto3.client("dynamodb")
    table = next(t for t in dynamodb.list_tables()["TableNames"] if "Customers" in t)
    key = {"pk": {"S": f"CUSTOMER#{customer_id}"}, "sk": {"S": "PROFILE"}}
    return bool(dynamodb.get_item(TableName=table, Key=key)["Item"]["status"]["S"] == "CLOSING")


def _sent(aws: Deployed, *addresses: str) -> dict[str, int]:
    return {address: len(aws.messages_to(address)) for address in addresses}
