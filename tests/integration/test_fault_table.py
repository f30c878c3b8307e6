"""Faults at every AWS call of every write path (issue 14, item 2): one row per write route,
queue worker and job of API.md. A clean run of the row records its calls (each with its call
site) and what it left; then each distinct (operation, call site) fails in turn
(``tests/support/faults.py``: its service's error, and the run's first call also a timeout) on
fresh subjects of the module's world, the path is retried once (the same ``Idempotency-Key``,
the queue's redelivery of the same message, the job's re-run) and everything it queued or put
on the outbox is delivered. Then, as after the clean run: the items, users and objects its
writes touched are the same (read by key, normalised by what each value is:
``tests/support/normalised.py``; an audited read retried holds one more audit entry, its
second read), every message was sent once, and every audit chain it wrote to verifies. A row
that is known to fail at some faults names them (``Broken``): it is a strict xfail that fails
if any other fault fails, or if none does.

A second test runs each row with the answer of each (operation, call site) lost (issue 26, item
4): the call is served, then sent again as the SDK's standard mode does after a timeout or a
5xx (a sender's client, which makes one attempt, gets the timeout instead), and the path is
retried only if it then failed (``observed``); the answers lost a row is known to fail at would
be its ``lost`` (none is).

A new write path, or a new call on one, is covered by a row here.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from ongpt.customers.store import active_shard
from tests.support.audit import append
from tests.support.clock import MovedClock
from tests.support.deployed import Deployed, customer, guest, staff
from tests.support.erasure import close as closed_by_then
from tests.support.events import sqs_event
from tests.support.fault_table import (
    AUDIT,
    Touched,
    broken_chains,
    clients_reused,
    difference,
    expire_in_progress,
    sent,
    state,
)
from tests.support.faults import ANSWER_LOST, CallLog, Fault, faults_of, lost_answers_of
from tests.support.jobs import run_anchor_job, run_erasure, run_job, scheduled, work
from tests.support.journeys import (
    CONTRACTS_NOW,
    code_to,
    contract,
    e164,
    filed_edit,
    me,
    new_contract,
    pending_verification,
    put_consent,
    registered,
    registration,
    start,
)
from tests.support.lifecycle import LIFECYCLE, close, place_hold, start_recovery

Attempt = Callable[[], Any]  # the path's call; called again, its retry. Its answer's outcome.
Prepare = Callable[[Deployed], Attempt]


def request(
    aws: Deployed, function: str, method: str, path: str, who: dict[str, Any], body: Any = None
) -> Attempt:
    """A route called with an ``Idempotency-Key``; its retry sends the same key. Outcome: the
    status."""
    headers = {"Idempotency-Key": str(uuid.uuid4())}

    def attempt() -> int:
        status, _ = aws.call(
            function, method, path, body=body, identity=who, headers=headers, deliver=False
        )
        return status

    return attempt


def delivered(aws: Deployed, event: dict[str, Any], worker: str) -> Attempt:
    """An SQS batch given to its worker; its retry is the queue's redelivery of the same
    message. Outcome: the records reported failed (all: Powertools fails the invocation)."""

    def attempt() -> list[Any]:
        try:
            return list(work(aws, event, worker)["batchItemFailures"])
        except BatchProcessingError:
            return ["all"]

    return attempt


def job(run: Callable[[], Any]) -> Attempt:
    """A scheduled job (or a stream's delivery), run again after a failed run. Outcome: done
    (what it counts differs between a first run and a re-run)."""

    def attempt() -> str:
        run()
        return "done"

    return attempt


def taken(aws: Deployed, function: str, variable: str) -> list[str]:
    """The bodies of the messages on a queue, taken off it (to be delivered by the test)."""
    sqs = boto3.client("sqs")
    url = aws.function(function).environment[variable]
    bodies: list[str] = []
    while found := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for message in found:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def posted_by_staff(
    aws: Deployed, function: str, path: str, role: str, body: Any
) -> tuple[int, dict[str, Any]]:
    """A staff member's POST, what it queued and put on the outbox left undelivered."""
    return aws.call(function, "POST", path, identity=staff(role), body=body, deliver=False)


def settle(aws: Deployed) -> None:
    """Everything queued handed to its worker, every outbox item to the delivery worker."""
    for poller in aws.pollers:
        while poller.poll_once():
            pass
    aws.deliver_notices()


# -- the rows: each prepares a fresh world for its path and answers its attempt --------------------

DAYS = count(1)  # a job's day of its own for each run, so it finds only what the row prepared


def _signup(aws: Deployed) -> Attempt:
    return request(aws, "registration", "POST", "/v1/registrations", guest(), registration())


def _registration_codes(aws: Deployed) -> Attempt:
    assert start(aws, registration(), deliver=False)[0] == 202
    bodies = taken(aws, "registration", "REGISTRATION_QUEUE_URL")
    return delivered(aws, sqs_event(*bodies), "registration_codes")


def _verification(aws: Deployed) -> Attempt:
    path, codes = pending_verification(aws)
    return request(aws, "registration", "POST", path, guest(), codes)


def _edit_request(aws: Deployed) -> Attempt:
    _, cid = registered(aws)
    change = {"changes": {"email": f"moved.{cid[:8]}@example.com"}, "reason": "new job"}
    return request(aws, "edit_requests", "POST", "/v1/me/edit-requests", customer(cid), change)


def _edit_verification(aws: Deployed) -> Attempt:
    cid, eid, new_email = filed_edit(aws)
    path = f"/v1/me/edit-requests/{eid}/verification"
    return request(
        aws, "edit_requests", "POST", path, customer(cid), {"email_code": code_to(aws, new_email)}
    )


def _edit_decision(aws: Deployed) -> Attempt:
    cid, eid, new_email = filed_edit(aws)
    code = {"email_code": code_to(aws, new_email)}
    assert me(aws, cid, "POST", f"/v1/me/edit-requests/{eid}/verification", code)[0] == 200
    path = f"/v1/staff/edit-requests/{eid}/decision"
    decision = {"decision": "approve", "note": "checked"}
    return request(aws, "edit_requests", "POST", path, staff("Support"), decision)


def _edit_withdrawal(aws: Deployed) -> Attempt:
    cid, eid, _ = filed_edit(aws)
    path = f"/v1/me/edit-requests/{eid}/withdraw"
    return request(aws, "edit_requests", "POST", path, customer(cid))


def _consent(aws: Deployed) -> Attempt:
    _, cid = registered(aws)
    return request(aws, "me", "PUT", "/v1/me/consents/marketing", customer(cid), {"granted": True})


def _contract(aws: Deployed) -> Attempt:
    _, cid = registered(aws)
    body = new_contract(cid, 180)
    return request(aws, "contracts", "POST", "/v1/staff/contracts", staff("Support"), body)


def _renewal(aws: Deployed) -> Attempt:
    _, cid = registered(aws)
    path = f"/v1/staff/contracts/{contract(aws, cid, 200)}/renewal"
    body = {"expires_at": "2028-06-01T00:00:00Z"}
    return request(aws, "contracts", "POST", path, staff("Support"), body)


def guest_complaint() -> dict[str, Any]:
    contact = {"name": "Khách", "email": f"khach.{uuid.uuid4().hex[:8]}@example.com"}
    return {"category": "privacy", "subject": "Dữ liệu", "message": "Xin xoá.", "contact": contact}


def _complaint(aws: Deployed) -> Attempt:
    return request(aws, "complaints", "POST", "/v1/complaints", guest(), guest_complaint())


def _complaint_move(aws: Deployed) -> Attempt:
    status, filed = aws.call("complaints", "POST", "/v1/complaints", body=guest_complaint())
    assert status == 201, filed
    path = f"/v1/staff/complaints/{filed['complaint_id']}"
    body = {"status": "RESOLVED", "resolution": "Đã xoá."}
    return request(aws, "complaints", "PATCH", path, staff("Support"), body)


def _disclosure(aws: Deployed) -> Attempt:
    _, cid = registered(aws)
    assert put_consent(aws, cid, "third_party_sharing:partner-x", {"granted": True})[0] == 200
    body = {
        "recipient": "partner-x",
        "data_categories": ["contact"],
        "customer_id": cid,
        "legal_basis": "consent",
    }
    return request(aws, "disclosures", "POST", "/v1/staff/disclosures", staff("Compliance"), body)


ANNOUNCEMENT = {"kind": "service_change", "title": "Bảo trì", "body": "Tối nay."}


def _announcement(aws: Deployed) -> Attempt:
    return request(
        aws, "announcements", "POST", "/v1/staff/announcements", staff("Admin"), ANNOUNCEMENT
    )


@dataclass
class Shard:
    """One customer's shard of the active customers, the same for every run of the row (so the
    worker finds the same customers in it each time)."""

    number: int | None = None

    def of(self, aws: Deployed) -> int:
        if self.number is None:
            _, cid = registered(aws)
            self.number = int(active_shard(cid).rsplit("#", 1)[1])
        return self.number


SHARD = Shard()


def _announcement_worker(aws: Deployed) -> Attempt:
    shard = SHARD.of(aws)
    status, posted = posted_by_staff(
        aws, "announcements", "/v1/staff/announcements", "Admin", ANNOUNCEMENT
    )
    assert status == 202, posted
    bodies = taken(aws, "announcements", "ANNOUNCEMENT_QUEUE_URL")
    ours = [b for b in bodies if json.loads(b)["shard"] == shard]
    return delivered(aws, sqs_event(*ours), "announcement_worker")


def _expiry_reminders(aws: Deployed) -> Attempt:
    _, cid = registered(aws)
    now = datetime(2031, 1, 1, 2, 0, tzinfo=UTC) + timedelta(days=100 * next(DAYS))
    contract(aws, cid, (now + timedelta(days=7) - CONTRACTS_NOW).days)
    return job(lambda: run_job(aws, now))


def _closure(aws: Deployed) -> Attempt:
    _, cid = registered(aws)
    assert put_consent(aws, cid, "marketing", {"granted": True})[0] == 200
    change = {"changes": {"full_name": "Lê Văn Bình"}, "reason": "typo"}
    assert me(aws, cid, "POST", "/v1/me/edit-requests", change)[0] == 202
    return request(
        aws, LIFECYCLE, "POST", "/v1/me/closure", customer(cid), {"reason": "Không dùng nữa"}
    )


def _reactivation(aws: Deployed) -> Attempt:
    _, cid = registered(aws)
    assert close(aws, cid)[0] == 202
    settle(aws)
    path = f"/v1/staff/accounts/{cid}/reactivation"
    body = {"purpose": "customer_support", "note": "Khách gọi điện xin mở lại"}
    return request(aws, LIFECYCLE, "POST", path, staff("Support"), body)


def _legal_hold(aws: Deployed) -> Attempt:
    _, cid = registered(aws)
    body = {"customer_id": cid, "authority_reference": "BCA-2026/117", "reason": "Điều tra"}
    return request(aws, LIFECYCLE, "POST", "/v1/staff/legal-holds", staff("Compliance"), body)


def _hold_release(aws: Deployed) -> Attempt:
    _, cid = registered(aws)
    status, hold = place_hold(aws, cid)
    assert status == 201, hold
    path = f"/v1/staff/legal-holds/{hold['hold_id']}/release"
    return request(aws, LIFECYCLE, "POST", path, staff("Admin"), {"note": "Hết hạn"})


def _recovery(aws: Deployed) -> Attempt:
    body, _ = registered(aws)
    pair = {"email": body["email"], "phone": body["phone"]}
    return request(aws, LIFECYCLE, "POST", "/v1/recoveries", guest(), pair)


def _recovery_codes(aws: Deployed) -> Attempt:
    body, _ = registered(aws)
    assert start_recovery(aws, body["email"], body["phone"], deliver=False)[0] == 202
    bodies = taken(aws, LIFECYCLE, "RECOVERY_QUEUE_URL")
    return delivered(aws, sqs_event(*bodies), "recovery_codes")


def _recovery_verification(aws: Deployed) -> Attempt:
    body, _ = registered(aws)
    status, started = start_recovery(aws, body["email"], body["phone"])
    assert status == 202, started
    codes = {
        "email_code": code_to(aws, body["email"]),
        "phone_code": code_to(aws, e164(body["phone"])),
        "new_password": "another-Horse-battery-7",
        "reset_mfa": True,
    }
    path = f"/v1/recoveries/{started['recovery_id']}/verification"
    return request(aws, LIFECYCLE, "POST", path, guest(), codes)


def _erasure(aws: Deployed) -> Attempt:
    """An account past its grace period, alone in it: the closures of other rows are erasable
    30 days after they were made, this one the day before the job's run."""
    _, cid = registered(aws)
    now = datetime.now(UTC) + timedelta(days=1)
    table = aws.function("erasure").environment["CUSTOMERS_TABLE"]
    closed_by_then(boto3.client("dynamodb"), table, cid, now - timedelta(days=1))
    return job(lambda: run_erasure(aws, now))


def _erasure_replay(aws: Deployed) -> Attempt:
    """An account erased by a run of its own (as in ``_erasure``), then its items in the
    customers' table put back as a restore from before its erasure would (the key store and the
    guards are never restored): the replay of the ledger from that run's time (a minute no other
    run has) moves it back to ``ERASING`` and erases it again."""
    _, cid = registered(aws)
    now = datetime.now(UTC) + timedelta(days=1, minutes=next(DAYS))  # a minute of its own
    table = aws.function("erasure").environment["CUSTOMERS_TABLE"]
    dynamodb = boto3.client("dynamodb")
    closed_by_then(dynamodb, table, cid, now - timedelta(days=1))
    restored = dynamodb.query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"CUSTOMER#{cid}"}},
    )["Items"]
    run_erasure(aws, now)
    for item in restored:
        dynamodb.put_item(TableName=table, Item=item)
    since = scheduled(now)["scheduled_time"]  # the erasure's start, as the ledger has it
    return job(lambda: run_erasure(aws, now, replay_since=since))


def _sign_out(aws: Deployed) -> Attempt:
    _, cid = registered(aws)
    return request(aws, LIFECYCLE, "POST", "/v1/me/sign-out", customer(cid))


def _analytics(aws: Deployed) -> Attempt:
    events = {"events": [{"page": "/pricing", "visited_at": "2026-11-25T10:00:00Z"}]}
    return request(aws, "analytics", "POST", "/v1/analytics/events", guest(), events)


def _notice_delivery(aws: Deployed) -> Attempt:
    """A contract's notices on the outbox; the stream retries a failed batch at once."""
    _, cid = registered(aws)
    body = new_contract(cid, 150)
    status, _ = posted_by_staff(aws, "contracts", "/v1/staff/contracts", "Support", body)
    assert status == 201
    return job(aws.deliver_notices)


CLOCK = MovedClock()  # the shared package's clock, moved on by the rows that wait for time
RESEND_WAIT = timedelta(seconds=61)  # API.md: codes are sent again 60 s after the last


def resend_allowed(aws: Deployed, function: str, path: str) -> Attempt:
    """A resend of codes just sent is refused (429); the clock moved on past the 60 s, the
    resend of the row."""
    status = request(aws, function, "POST", path, guest())()
    assert status == 429, f"{path} within 60 s: {status}"
    CLOCK.move_on(RESEND_WAIT)
    return request(aws, function, "POST", path, guest())


def _registration_resend(aws: Deployed) -> Attempt:
    status, accepted = start(aws, registration())
    assert status == 202, accepted
    path = f"/v1/registrations/{accepted['registration_id']}/resend"
    return resend_allowed(aws, "registration", path)


def _recovery_resend(aws: Deployed) -> Attempt:
    body, _ = registered(aws)
    status, started = start_recovery(aws, body["email"], body["phone"])
    assert status == 202, started
    return resend_allowed(aws, LIFECYCLE, f"/v1/recoveries/{started['recovery_id']}/resend")


def _staff_search(aws: Deployed) -> Attempt:
    body, _ = registered(aws)
    search = {"email": body["email"], "purpose": "customer_support"}
    path = "/v1/staff/customers/search"
    return request(aws, "staff_customers", "POST", path, staff("Support"), search)


def _audit_anchors(aws: Deployed) -> Attempt:
    """A chain of its own, written half an hour before the job's run, on a day no other row
    writes on (the job anchors every chain written in the two hours before it)."""
    now = datetime(2033, 1, 1, 3, 0, tzinfo=UTC) + timedelta(days=next(DAYS))
    append(aws, str(uuid.uuid4()), 3, now - timedelta(minutes=30))
    return job(lambda: run_anchor_job(aws, now))


@dataclass(frozen=True)
class Broken:
    """A fault a row is known to fail at: its operation from a call site in ``where``, and the
    behaviour that is missing."""

    operation: str
    where: str
    why: str

    def matches(self, fault: Fault) -> bool:
        return fault.operation == self.operation and self.where in (fault.site or "")


class BrokenFaults(Exception):
    """Exactly the faults a row names as broken failed (and no other)."""


@dataclass(frozen=True)
class Row:
    path: str  # as API.md names it
    prepare: Prepare
    broken: tuple[Broken, ...] = ()
    # An audited read (API.md: every staff read is audited before anything is returned): a
    # retry after its answer was lost reads again, and that read is audited too, so its state
    # may hold one more audit entry than a clean run's. Deduplicating it would hide a read.
    read: bool = False
    lost: tuple[Broken, ...] = ()  # the answers lost it is known to fail at

    def param(self, *, lost: bool = False) -> Any:
        known = self.lost if lost else self.broken
        reason = "; ".join(f"{b.operation} in {b.where}: {b.why}" for b in known)
        marks = [pytest.mark.xfail(strict=True, raises=BrokenFaults, reason=reason)]
        return pytest.param(self, id=self.path, marks=marks if known else ())


# First the paths whose cost grows with the module's world, which each row's runs make larger:
# the announcements reach every active customer, and moto answers an index query (the expiry,
# erasure and anchor jobs', reactivation's, closure's) by scanning the table.
ROWS = (
    Row("POST /v1/staff/announcements", _announcement),
    Row("worker announcement_worker", _announcement_worker),
    Row("job expiry-reminders", _expiry_reminders),
    Row("POST /v1/staff/accounts/{id}/reactivation", _reactivation),
    Row("job erasure", _erasure),
    Row("job erasure (replay after a restore)", _erasure_replay),
    Row("job audit-anchors", _audit_anchors),
    Row("POST /v1/me/closure", _closure),
    Row("POST /v1/registrations", _signup),
    Row("worker registration_codes", _registration_codes),
    Row("POST /v1/registrations/{id}/resend", _registration_resend),
    Row("POST /v1/registrations/{id}/verification", _verification),
    Row("POST /v1/me/edit-requests", _edit_request),
    Row("POST /v1/me/edit-requests/{id}/verification", _edit_verification),
    Row("POST /v1/staff/edit-requests/{id}/decision", _edit_decision),
    Row("POST /v1/me/edit-requests/{id}/withdraw", _edit_withdrawal),
    Row("PUT /v1/me/consents/{purpose}", _consent),
    Row("POST /v1/staff/contracts", _contract),
    Row("POST /v1/staff/contracts/{id}/renewal", _renewal),
    Row("POST /v1/complaints", _complaint),
    Row("PATCH /v1/staff/complaints/{id}", _complaint_move),
    Row("POST /v1/staff/disclosures", _disclosure),
    Row("POST /v1/staff/legal-holds", _legal_hold),
    Row("POST /v1/staff/legal-holds/{id}/release", _hold_release),
    Row("POST /v1/recoveries", _recovery),
    Row("worker recovery_codes", _recovery_codes),
    Row("POST /v1/recoveries/{id}/resend", _recovery_resend),
    Row("POST /v1/recoveries/{id}/verification", _recovery_verification),
    Row("POST /v1/me/sign-out", _sign_out),
    Row("POST /v1/analytics/events", _analytics),
    Row("worker notice_delivery", _notice_delivery),
    Row("POST /v1/staff/customers/search", _staff_search, read=True),
)


def read_again(clean: Counter[str], after: Counter[str]) -> bool:
    """``after`` is ``clean`` and one more audit entry: a read that ran twice."""
    extra = after - clean
    return not clean - after and extra.total() == 1 and AUDIT in next(iter(extra)).split()[0]


@dataclass
class Outcome:
    """What a run of a path left: its answer, the state it touched, the messages sent."""

    answer: Any
    state: Counter[str]
    sent: Counter[str]
    broken: dict[str, Any]


def observed(
    aws: Deployed,
    monkeypatch: pytest.MonkeyPatch,
    attempt: Attempt,
    fault: Fault | None,
    clean: Any = None,
) -> tuple[Outcome, CallLog]:
    """The path run once (with ``fault`` injected), everything settled, then (after a fault)
    retried and settled again: what it left, and the calls of its first run. After an answer
    lost, the path is retried only if its answer differs from the ``clean`` run's (a client or
    the scheduler tries again after a failure, not after a success)."""
    marker = aws.outbox.seen()
    answer: Any = "failed"
    with Touched().installed(monkeypatch) as touched:
        with CallLog(fail=fault).installed(monkeypatch) as log:
            if fault is None:
                answer = attempt()
            else:
                with suppress(Exception):  # a job that failed: the scheduler runs it again
                    answer = attempt()
        settle(aws)
        if fault is not None and (fault.kind != ANSWER_LOST or answer != clean):
            expire_in_progress(aws, touched)
            answer = attempt()
            settle(aws)
    assert fault is None or log.failed, f"{fault}: the call was never reached"
    outcome = Outcome(
        answer, state(touched), sent(aws, marker), broken_chains(aws, touched.subjects)
    )
    return outcome, log


@pytest.fixture(autouse=True)
def warm(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with clients_reused(monkeypatch), CLOCK.installed(monkeypatch):
        yield


@pytest.mark.clause("P1.2", "P2.1", "P3.3", "P3.4", "P4", "P6.1")
@pytest.mark.parametrize("row", [row.param() for row in ROWS])
def test_a_fault_at_any_call_then_one_retry_leaves_what_a_clean_run_leaves(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch, row: Row
) -> None:
    converges(aws, monkeypatch, row, faults_of)


@pytest.mark.chaos  # the chaos tier (make chaos): a minute of the suite's two workers
@pytest.mark.clause("P1.2", "P2.1", "P3.3", "P3.4", "P4", "P6.1")
@pytest.mark.parametrize("row", [row.param(lost=True) for row in ROWS])
def test_an_answer_lost_at_any_call_then_one_retry_leaves_what_a_clean_run_leaves(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch, row: Row
) -> None:
    converges(aws, monkeypatch, row, lost_answers_of)


def converges(
    aws: Deployed,
    monkeypatch: pytest.MonkeyPatch,
    row: Row,
    faults_at: Callable[[list[str], list[str]], list[Fault]],
) -> None:
    """The row's clean run, then a run with each of the faults ``faults_at`` its calls, each
    retried once: each leaves what the clean run left."""
    clean, log = observed(aws, monkeypatch, row.prepare(aws), None)
    assert clean.broken == {}, f"{row.path}: the clean run's chains: {clean.broken}"
    faults = faults_at(log.calls, log.sites)
    found: dict[str, Any] = {}
    broken: set[str] = set()
    for fault in faults:
        after, _ = observed(aws, monkeypatch, row.prepare(aws), fault, clean.answer)
        problems = {
            "answer": (clean.answer, after.answer) if after.answer != clean.answer else None,
            "state": None
            if after.state == clean.state or (row.read and read_again(clean.state, after.state))
            else difference(clean.state, after.state),
            "sent": difference(clean.sent, after.sent) if after.sent != clean.sent else None,
            "audit": after.broken or None,
        }
        if any(problems.values()):
            known_broken = row.lost if fault.kind == ANSWER_LOST else row.broken
            if any(known.matches(fault) for known in known_broken):
                broken.add(str(fault))
            else:
                found[str(fault)] = {k: v for k, v in problems.items() if v}
    print(f"\n{row.path}: {len(log.calls)} AWS calls, {len(faults)} faults")
    assert found == {}, f"{row.path}: {len(found)} of {len(faults)} faults:\n" + json.dumps(
        found, indent=1, ensure_ascii=False
    )
    if broken:
        raise BrokenFaults(f"{row.path}: {sorted(broken)}")
