"""Least privilege, proven (issue 12, item 7): every function runs a journey through each of its
paths that calls AWS (failures that undo or report included) with its calls recorded under moto;
then, per function, the IAM actions it used must be exactly those its role allows: an allowed
action never used is unused, a used one not allowed is missing. The summary of ``make test``
lists, per function, the actions used.

A new function needs a journey here; a new AWS call needs its grant (``infra/``), and the test
names it.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra import catalogue
from ongpt.lifecycle import recovery as recovery_module
from ongpt.registration import service as registration_module
from tests.support.deployed import Deployed, customer, deployed, guest, staff
from tests.support.erasure import close
from tests.support.jobs import run_anchor_job, run_erasure, run_job, run_scheduled
from tests.support.journeys import (
    CONTRACTS_NOW,
    audit_items,
    code_to,
    contract,
    decide,
    e164,
    me,
    new_contract,
    put_consent,
    registered,
    registration,
    start,
    verify,
)
from tests.support.least_privilege import Comparison, Recorder, Resources
from tests.support.lifecycle import (
    LIFECYCLE,
    holds,
    lifecycle,
    place_hold,
    reactivate,
    start_recovery,
    verify_recovery,
)
from tests.support.phones import new_phone

Journey = Callable[[Deployed, Recorder, pytest.MonkeyPatch], None]


def once(name: str) -> dict[str, str]:
    return {"Idempotency-Key": f"{name}-{uuid.uuid4().hex[:12]}"}


def retried(
    aws: Deployed, rec: Recorder, fail: str, name: str, method: str, path: str, **kwargs: Any
) -> tuple[int, dict[str, Any]]:
    """A request with an Idempotency-Key that fails once at ``fail``, then its retry with the same
    key: the function's idempotency record is written, freed after the failure, and completed."""
    headers = once(name)
    with rec.failing(fail):
        assert aws.call(name, method, path, headers=headers, **kwargs)[0] >= 500
    return aws.call(name, method, path, headers=headers, **kwargs)


def two_pages(aws: Deployed, name: str, path: str, identity: dict[str, Any], **query: str) -> None:
    """A list's first page of one item, and the page after it: its cursor sealed and opened."""
    status, first = aws.call(name, "GET", path, identity=identity, query={**query, "limit": "1"})
    assert (status, first["next"] is not None) == (200, True), first
    more = {**query, "limit": "1", "cursor": first["next"]}
    assert aws.call(name, "GET", path, identity=identity, query=more)[0] == 200


def _registration(aws: Deployed, rec: Recorder, patch: pytest.MonkeyPatch) -> None:
    assert aws.call("registration", "GET", "/v1/policy")[0] == 200
    body, _ = registered(aws)
    # A retried sign-up returns the first answer; a wrong code is counted (and its record freed).
    again = registration()
    key = once("signup")
    assert start(aws, again, headers=key)[0] == 202
    _, accepted = start(aws, again, headers=key)
    rid = accepted["registration_id"]
    wrong = {"email_code": "000000", "phone_code": "000000", "password": "x" * 12}
    path = f"/v1/registrations/{rid}/verification"
    assert aws.call("registration", "POST", path, body=wrong, headers=once("verify"))[0] >= 400
    later = datetime.now(UTC) + timedelta(seconds=61)
    patch.setattr(registration_module, "utcnow", lambda: later)
    assert aws.call("registration", "POST", f"/v1/registrations/{rid}/resend")[0] == 202
    # The profile's transaction fails and so does removing the sign-in: a later attempt takes
    # the sign-in over.
    with rec.failing("dynamodb.TransactWriteItems", "cognito-idp.AdminDeleteUser"):
        assert verify(aws, rid, again["email"], e164(again["phone"]))[0] == 503
    later += timedelta(minutes=3)
    assert verify(aws, rid, again["email"], e164(again["phone"]))[0] == 201
    # A failed profile write removes the sign-in it made.
    third = registration()
    _, accepted = start(aws, third)
    with rec.failing("dynamodb.TransactWriteItems"):
        assert (
            verify(aws, accepted["registration_id"], third["email"], e164(third["phone"]))[0] == 503
        )
    patch.undo()
    assert body


def _registration_codes(aws: Deployed, rec: Recorder, _patch: pytest.MonkeyPatch) -> None:
    body, _ = registered(aws)
    assert start(aws, registration(email=body["email"]))[0] == 202  # a notice to the owner
    with rec.failing("sesv2.SendEmail"):  # the code is released, the message comes back
        start(aws, registration())


def _me(aws: Deployed, _rec: Recorder, _patch: pytest.MonkeyPatch) -> None:
    _, cid = registered(aws)
    who = customer(cid)
    mine = {"category": "privacy", "subject": "Dữ liệu", "message": "Xin xem."}
    for _ in range(2):
        assert aws.call("complaints", "POST", "/v1/complaints", body=mine, identity=who)[0] == 201
    lists = ("/contracts", "/notifications", "/disclosures", "/complaints", "/access-log")
    for path in ("", "/export", "/consents", *lists):
        assert aws.call("me", "GET", f"/v1/me{path}", identity=who)[0] == 200, path
    two_pages(aws, "me", "/v1/me/complaints", who)
    assert put_consent(aws, cid, "marketing", {"granted": True})[0] == 200


def _edit_requests(aws: Deployed, rec: Recorder, _patch: pytest.MonkeyPatch) -> None:
    other, _ = registered(aws)
    body, cid = registered(aws)
    new_email = f"moved.{cid[:8]}@example.com"
    status, created = retried(
        aws,
        rec,
        "sesv2.SendEmail",
        "edit_requests",
        "POST",
        "/v1/me/edit-requests",
        body={"changes": {"email": new_email}, "reason": "x"},
        identity=customer(cid),
    )
    assert status == 202, created
    eid = created["edit_request_id"]
    assert me(aws, cid, "GET", "/v1/me/edit-requests")[0] == 200
    assert me(aws, cid, "GET", f"/v1/me/edit-requests/{eid}")[0] == 200
    code = {"email_code": code_to(aws, new_email)}
    assert me(aws, cid, "POST", f"/v1/me/edit-requests/{eid}/verification", code)[0] == 200
    queue = aws.call("edit_requests", "GET", "/v1/staff/edit-requests", identity=staff("Support"))
    assert queue[0] == 200
    with rec.failing("dynamodb.TransactWriteItems"):  # nothing applied: Cognito put back
        assert decide(aws, eid, "approve")[0] == 503
    assert decide(aws, eid, "approve")[0] == 200
    # A clash with another account is rejected; a request can be withdrawn.
    _, clash = me(
        aws,
        cid,
        "POST",
        "/v1/me/edit-requests",
        {"changes": {"phone": other["phone"]}, "reason": "x"},
    )
    cid_clash = clash["edit_request_id"]
    code = {"phone_code": code_to(aws, e164(other["phone"]))}
    me(aws, cid, "POST", f"/v1/me/edit-requests/{cid_clash}/verification", code)
    assert decide(aws, cid_clash, "approve")[1]["status"] == "REJECTED"
    _, spare = me(
        aws, cid, "POST", "/v1/me/edit-requests", {"changes": {"phone": new_phone()}, "reason": "x"}
    )
    withdraw = f"/v1/me/edit-requests/{spare['edit_request_id']}/withdraw"
    assert me(aws, cid, "POST", withdraw)[0] == 200
    two_pages(aws, "edit_requests", "/v1/me/edit-requests", customer(cid))
    assert body


def _staff_customers(aws: Deployed, rec: Recorder, _patch: pytest.MonkeyPatch) -> None:
    body, cid = registered(aws)
    for address in ({"email": body["email"]}, {"phone": body["phone"]}):
        found = retried(  # the failed search's idempotency record is taken back
            aws,
            rec,
            "kms.GenerateMac",
            "staff_customers",
            "POST",
            "/v1/staff/customers/search",
            identity=staff("Support"),
            body={**address, "purpose": "customer_support"},
        )
        assert found[0] == 200, found
    read = aws.call(
        "staff_customers",
        "GET",
        f"/v1/staff/customers/{cid}",
        identity=staff("Support"),
        query={"purpose": "customer_support", "reveal": "true"},
    )
    assert read[0] == 200, read


def _contracts(aws: Deployed, rec: Recorder, _patch: pytest.MonkeyPatch) -> None:
    _, cid = registered(aws)
    created = retried(  # the transaction of contract, audit entry and notices fails once
        aws,
        rec,
        "dynamodb.TransactWriteItems",
        "contracts",
        "POST",
        "/v1/staff/contracts",
        identity=staff("Support"),
        body=new_contract(cid, 180),
    )
    assert created[0] == 201, created
    contract_id = contract(aws, cid, 200)
    renewed = aws.call(
        "contracts",
        "POST",
        f"/v1/staff/contracts/{contract_id}/renewal",
        identity=staff("Support"),
        body={"expires_at": "2028-06-01T00:00:00Z"},
    )
    assert renewed[0] == 200, renewed


def _announcements(aws: Deployed, rec: Recorder, _patch: pytest.MonkeyPatch) -> None:
    _, cid = registered(aws)
    posted = retried(
        aws,
        rec,
        "sqs.SendMessageBatch",
        "announcements",
        "POST",
        "/v1/staff/announcements",
        identity=staff("Admin"),
        body={"kind": "service_change", "title": "Bảo trì", "body": "Tối nay."},
    )
    assert posted[0] == 202, posted
    queue = aws.function("announcements").environment["ANNOUNCEMENT_QUEUE_URL"]
    with rec.failing("dynamodb.TransactWriteItems"):  # a notice not enqueued: the item retried
        aws.work_off(queue)
        aws.work_off(queue)
    assert cid


def guest_complaint(contact: dict[str, str]) -> dict[str, Any]:
    return {"category": "privacy", "subject": "Dữ liệu", "message": "Xin xoá.", "contact": contact}


def _complaints(aws: Deployed, rec: Recorder, _patch: pytest.MonkeyPatch) -> None:
    _, cid = registered(aws)
    email = f"khach.{uuid.uuid4().hex[:8]}@example.com"
    filed = retried(
        aws,
        rec,
        "dynamodb.TransactWriteItems",
        "complaints",
        "POST",
        "/v1/complaints",
        identity=guest(),
        body=guest_complaint({"name": "Khách", "email": email}),
    )
    assert filed[0] == 201, filed
    by_phone = aws.call(  # answered by SMS
        "complaints",
        "POST",
        "/v1/complaints",
        identity=guest(),
        body=guest_complaint({"name": "Khách", "phone": new_phone()}),
    )
    assert by_phone[0] == 201, by_phone
    mine = aws.call(
        "complaints",
        "POST",
        "/v1/complaints",
        identity=customer(cid),
        body={"category": "service", "subject": "Hoá đơn", "message": "Sai."},
    )
    assert mine[0] == 201, mine
    two_pages(aws, "complaints", "/v1/staff/complaints", staff("Support"))
    support = staff("Support")
    moved, resolved = {"status": "IN_PROGRESS"}, {"status": "RESOLVED", "resolution": "Xong."}
    for complaint_id in (filed[1]["complaint_id"], mine[1]["complaint_id"]):
        path = f"/v1/staff/complaints/{complaint_id}"
        assert aws.call("complaints", "PATCH", path, body=moved, identity=support)[0] == 200
        with rec.failing("sesv2.SendEmail"):  # the delivery worker releases its claim
            aws.call("complaints", "PATCH", path, body=resolved, identity=support)
        aws.deliver_notices()  # the stream's retry sends the outcome
    path = f"/v1/staff/complaints/{by_phone[1]['complaint_id']}"
    for change in (moved, resolved):
        assert aws.call("complaints", "PATCH", path, body=change, identity=support)[0] == 200


def _disclosures(aws: Deployed, rec: Recorder, _patch: pytest.MonkeyPatch) -> None:
    _, cid = registered(aws)
    assert put_consent(aws, cid, "third_party_sharing:partner-x", {"granted": True})[0] == 200
    disclosed = retried(
        aws,
        rec,
        "dynamodb.GetItem",
        "disclosures",
        "POST",
        "/v1/staff/disclosures",
        identity=staff("Compliance"),
        body={
            "recipient": "partner-x",
            "data_categories": ["contact"],
            "customer_id": cid,
            "legal_basis": "consent",
        },
    )
    assert disclosed[0] == 201, disclosed


def _analytics(aws: Deployed, rec: Recorder, _patch: pytest.MonkeyPatch) -> None:
    event = {"page": "/pricing", "visited_at": "2026-11-25T10:00:00Z"}
    sent = retried(
        aws,
        rec,
        "dynamodb.BatchWriteItem",
        "analytics",
        "POST",
        "/v1/analytics/events",
        body={"events": [event]},
    )
    assert sent[0] == 202, sent


def _audit_and_anchors(aws: Deployed, _rec: Recorder, _patch: pytest.MonkeyPatch) -> None:
    """A chain is anchored by the job, grows, is anchored again from its anchor, then is read
    and verified against its anchor (twice: the read is an entry newer than the anchor), and by
    the daily verification."""
    _, cid = registered(aws)
    read = {"purpose": "customer_support"}
    path = f"/v1/staff/customers/{cid}"
    for _ in range(2):
        customer_read = aws.call(
            "staff_customers", "GET", path, identity=staff("Support"), query=read
        )
        assert customer_read[0] == 200
        assert run_anchor_job(aws, datetime.now(UTC))["anchored"] >= 1
    for _ in range(2):
        trail = aws.call(
            "audit", "GET", "/v1/staff/audit", identity=staff("Admin"), query={"customer_id": cid}
        )
        assert trail[0] == 200
        assert trail[1]["verification"]["valid"] is True
    two_pages(aws, "audit", "/v1/staff/audit", staff("Admin"), customer_id=cid)
    assert run_scheduled(aws, "audit_verification", datetime.now(UTC))["verified"] >= 1


def _audit_changes(aws: Deployed, _rec: Recorder, _patch: pytest.MonkeyPatch) -> None:
    """An entry overwritten: the stream hands the change to the worker, which calls nothing."""
    _, cid = registered(aws)
    dynamodb, table, (first, *_) = audit_items(aws, cid)
    dynamodb.put_item(TableName=table, Item={**first, "actor": {"S": "mallory"}})
    aws.deliver_notices()


def _expiry_reminders(aws: Deployed, rec: Recorder, _patch: pytest.MonkeyPatch) -> None:
    _, cid = registered(aws)
    now = datetime(2027, 1, 1, 2, 0, tzinfo=UTC)
    contract(aws, cid, (now + timedelta(days=7) - CONTRACTS_NOW).days)
    with rec.failing("dynamodb.TransactWriteItems"):  # not enqueued: to the job's DLQ
        run_job(aws, now)
    run_job(aws, now)


def _notice_delivery(aws: Deployed, rec: Recorder, _patch: pytest.MonkeyPatch) -> None:
    """A send fails: its claim is released and the stream retries the batch from it, where the
    notice already sent is found done (read, not sent again)."""
    _, cid = registered(aws)
    with rec.failing("sesv2.SendEmail"):
        contract(aws, cid, 100)
    aws.deliver_notices()


def _erasure(aws: Deployed, rec: Recorder, _patch: pytest.MonkeyPatch) -> None:
    """An account past its grace period is erased; a failed run is finished by the next."""
    now = datetime(2027, 6, 1, 20, 0, tzinfo=UTC)
    table = aws.function("erasure").environment["CUSTOMERS_TABLE"]
    for _ in range(2):
        _, cid = registered(aws)
        close(boto3.client("dynamodb"), table, cid, now - timedelta(days=1))
    with rec.failing("dynamodb.TransactWriteItems"), contextlib.suppress(Exception):
        run_erasure(aws, now)
    assert run_erasure(aws, now)["erased"] >= 1
    assert run_erasure(aws, now, replay_since="2027-06-01T00:00:00Z")["replayed"] >= 1


def _account_lifecycle(aws: Deployed, rec: Recorder, patch: pytest.MonkeyPatch) -> None:
    """Sign-out, closure (its transaction fails: sign-in is enabled again, the retry closes),
    reactivation, holds; a recovery whose code fails to send once, resent, verified."""
    body, cid = registered(aws)
    who = customer(cid)
    assert lifecycle(aws, "POST", "/v1/me/sign-out", who)[0] == 204
    me(
        aws,
        cid,
        "POST",
        "/v1/me/edit-requests",
        {"changes": {"full_name": "Lê Bình"}, "reason": "x"},
    )
    closed = retried(
        aws,
        rec,
        "dynamodb.TransactWriteItems",
        LIFECYCLE,
        "POST",
        "/v1/me/closure",
        body={},
        identity=who,
    )
    assert closed[0] == 202, closed
    assert reactivate(aws, cid)[0] == 200
    status, hold = place_hold(aws, cid)
    assert status == 201, hold
    assert place_hold(aws, cid)[0] == 201
    assert holds(aws, cid)[0] == 200
    two_pages(aws, LIFECYCLE, "/v1/staff/legal-holds", staff("Compliance"), customer_id=cid)
    release = f"/v1/staff/legal-holds/{hold['hold_id']}/release"
    assert lifecycle(aws, "POST", release, staff("Admin"), {"note": "x"})[0] == 200
    queue = aws.function(LIFECYCLE).environment["RECOVERY_QUEUE_URL"]
    with rec.failing("sesv2.SendEmail"):  # the worker releases the code; the retry sends it
        status, started = start_recovery(aws, body["email"], body["phone"], deliver=False)
        aws.work_off(queue)
    aws.work_off(queue)
    later = datetime.now(UTC) + timedelta(seconds=61)
    patch.setattr(recovery_module, "utcnow", lambda: later)
    resend = f"/v1/recoveries/{started['recovery_id']}/resend"
    assert lifecycle(aws, "POST", resend, guest())[0] == 202
    recovered = verify_recovery(
        aws,
        started["recovery_id"],
        body["email"].lower(),
        body["phone"],
        new_password="another-Horse-battery-7",
        reset_mfa=True,
    )
    assert recovered[0] == 200, recovered


# Each journey exercises one function or two (a route and the worker it queues for); a function
# no journey reaches shows every grant it has as unused.
JOURNEYS: tuple[Journey, ...] = (
    _registration,
    _registration_codes,
    _me,
    _edit_requests,
    _staff_customers,
    _contracts,
    _announcements,
    _complaints,
    _disclosures,
    _analytics,
    _audit_and_anchors,
    _audit_changes,
    _expiry_reminders,
    _notice_delivery,
    _erasure,
    _account_lifecycle,
)
FUNCTIONS = [spec.name for spec in catalogue.ALL_FUNCTIONS]


@pytest.fixture(scope="module")
def recorded(assembly_dir: Path) -> Iterator[tuple[Deployed, Recorder]]:
    with deployed(assembly_dir) as aws, pytest.MonkeyPatch.context() as patch:
        recorder = Recorder(Resources(aws.template, aws.resolver))
        with recorder.installed(patch):
            for journey in JOURNEYS:
                with pytest.MonkeyPatch.context() as journey_patch:
                    journey(aws, recorder, journey_patch)
        yield aws, recorder


def comparison(aws: Deployed, recorder: Recorder, name: str) -> Comparison:
    function = aws.function(name)
    role_id = aws.template.resources[function.logical_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    uses = recorder.uses.get(name, set()) | set(
        recorder.resources.platform_uses(function.logical_id)
    )
    return Comparison(uses, recorder.resources.grants(role_id))


@pytest.mark.clause("P2.2")
@pytest.mark.parametrize("name", FUNCTIONS)
def test_each_function_is_allowed_exactly_the_actions_it_calls(
    recorded: tuple[Deployed, Recorder], name: str, record_property: Callable[[str, Any], None]
) -> None:
    aws, recorder = recorded
    found = comparison(aws, recorder, name)
    label = recorder.resources.label
    used = sorted({f"{u.action} {label(u.resource)}{u.qualifiers()}" for u in found.uses})
    record_property("least_privilege", f"{name}:\n    " + "\n    ".join(used))
    missing = [f"{u.action} {label(u.resource)} {dict(u.context)}" for u in found.missing()]
    unused = sorted({f"{g} (on {label(g.resource)})" for g in found.unused()})
    assert (missing, unused) == ([], []), f"{name}: missing {missing}; unused {unused}"
