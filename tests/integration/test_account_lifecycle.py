"""API.md, Account lifecycle: sign-out everywhere, recovery by a guest who proves both addresses
(everything else answers the same and sends nothing), closure with a grace period, reactivation
by staff, legal holds; the functions in-process over moto (one world for all)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from ongpt import services
from ongpt.lifecycle import recovery as recovery_module
from ongpt.lifecycle.store import LifecycleStore
from ongpt.notify.delivery import said_on
from ongpt.platform.clock import parse, timestamp
from ongpt.platform.pages import Position
from ongpt.registration.service import CODE_LIFETIME
from tests.support.deployed import Deployed, customer, guest, staff
from tests.support.failing import failing_once
from tests.support.jobs import run_job
from tests.support.journeys import (
    CONTRACTS_NOW,
    PASSWORD,
    audit_items,
    code_to,
    contract,
    decide,
    e164,
    me,
    put_consent,
    registered,
    reminders,
)
from tests.support.least_privilege import Recorder, Resources
from tests.support.lifecycle import (
    LIFECYCLE,
    close,
    cognito_user,
    holds,
    lifecycle,
    password_sign_in,
    place_hold,
    reactivate,
    refresh,
    start_recovery,
    verify_recovery,
)
from tests.support.phones import new_phone

NEW_PASSWORD = "another-Horse-battery-7"


def actions(aws: Deployed, customer_id: str) -> list[str]:
    return [item["action"]["S"] for item in audit_items(aws, customer_id)[2]]


def partition(aws: Deployed, customer_id: str) -> list[dict[str, Any]]:
    """The customer's items in the Customers table, as stored (a closing customer may no longer
    read them through the API)."""
    return list(
        boto3.client("dynamodb").query(
            TableName=aws.function("me").environment["CUSTOMERS_TABLE"],
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"CUSTOMER#{customer_id}"}},
        )["Items"]
    )


def consents_stored(aws: Deployed, customer_id: str) -> dict[str, bool]:
    """The customer's current consents, as stored."""
    return {
        item["sk"]["S"].removeprefix("CONSENT#"): item["granted"]["BOOL"]
        for item in partition(aws, customer_id)
        if item["sk"]["S"].count("#") == 1 and item["sk"]["S"].startswith("CONSENT#")
    }


def consents(aws: Deployed, customer_id: str) -> dict[str, bool]:
    status, body = aws.call("me", "GET", "/v1/me/consents", identity=customer(customer_id))
    assert status == 200
    return {c["purpose"]: c["granted"] for c in body["consents"]}


@pytest.mark.clause("P1.2", "P2.2", "P2.3", "P3.3", "P3.7", "P4")
def test_sign_out_revokes_every_refresh_token(aws: Deployed) -> None:
    body, cid = registered(aws)
    tokens = password_sign_in(aws, body["email"].lower(), PASSWORD)["AuthenticationResult"]
    assert "IdToken" in refresh(aws, tokens["RefreshToken"])["AuthenticationResult"]
    status, answer = lifecycle(aws, "POST", "/v1/me/sign-out", customer(cid))
    assert status == 204
    assert not answer  # no body
    with pytest.raises(ClientError, match="NotAuthorized"):
        refresh(aws, tokens["RefreshToken"])


@pytest.mark.clause("P1.2", "P2.2", "P2.3", "P3.3", "P3.7", "P4")
def test_closure_stops_sign_in_consents_edits_and_messages_and_repeats_the_same(
    aws: Deployed,
) -> None:
    body, cid = registered(aws)  # product updates granted at registration
    assert put_consent(aws, cid, "marketing", {"granted": True})[0] == 200
    change = {"changes": {"full_name": "Nguyễn Văn Bình"}, "reason": "typo"}
    _, edit = me(aws, cid, "POST", "/v1/me/edit-requests", change)
    contract(aws, cid, 7)
    tokens = password_sign_in(aws, body["email"].lower(), PASSWORD)["AuthenticationResult"]
    addresses = (body["email"].lower(), e164(body["phone"]))

    before = datetime.now(UTC)
    status, closing = close(aws, cid)
    assert (status, closing["status"]) == (202, "CLOSING")
    erase_after = parse(closing["erase_after"])
    assert timedelta(days=30) <= erase_after - before < timedelta(days=30, minutes=1)

    assert cognito_user(aws, cid)["Enabled"] is False
    with pytest.raises(ClientError, match="NotAuthorized"):
        password_sign_in(aws, body["email"].lower(), PASSWORD)
    with pytest.raises(ClientError, match="NotAuthorized"):
        refresh(aws, tokens["RefreshToken"])
    assert consents_stored(aws, cid)["marketing"] is False
    assert consents_stored(aws, cid)["product_updates"] is False
    records = {item["sk"]["S"]: item for item in partition(aws, cid)}
    withdrawn = [r for r in records.values() if r.get("source", {}).get("S") == "closure"]
    assert {r["sk"]["S"].split("#")[1] for r in withdrawn} == {"marketing", "product_updates"}
    assert records[f"EDIT#{edit['edit_request_id']}"]["status"]["S"] == "WITHDRAWN"
    told = {
        a: [m for m in aws.messages_to(a) if said_on(closing["erase_after"], "vi") in m["body"]]
        for a in addresses
    }
    assert all(len(messages) == 1 for messages in told.values()), told
    assert "mở lại" in told[addresses[0]][0]["body"]  # how to undo it, in Vietnamese

    # Announcements and renewal reminders stop.
    status, _ = aws.call(
        "announcements",
        "POST",
        "/v1/staff/announcements",
        identity=staff("Admin"),
        body={"kind": "service_change", "title": "Bảo trì", "body": "Tối nay."},
    )
    assert status == 202
    aws.work_off(aws.function("announcements").environment["ANNOUNCEMENT_QUEUE_URL"])
    assert not [m for m in aws.messages_to(addresses[0]) if "Bảo trì" in (m["subject"] or "")]
    run_job(aws, CONTRACTS_NOW)
    assert reminders(aws, addresses[0]) == []

    # Closing again: the same answer, nothing more sent or changed.
    sent = {a: len(aws.messages_to(a)) for a in addresses}
    assert close(aws, cid) == (202, closing)
    assert {a: len(aws.messages_to(a)) for a in addresses} == sent
    assert actions(aws, cid).count("account.close") == 1


@pytest.mark.clause("P1.2", "P2.2", "P2.3", "P3.3", "P3.7", "P4")
def test_reactivation_while_closing_only_and_consents_stay_withdrawn(aws: Deployed) -> None:
    body, cid = registered(aws)
    assert reactivate(aws, cid)[0] == 409  # ACTIVE: nothing to undo
    assert close(aws, cid)[0] == 202
    assert reactivate(aws, cid, role="Compliance")[0] == 403  # not in its part of the table
    status, answer = reactivate(aws, cid)
    assert (status, answer) == (200, {"status": "ACTIVE"})
    assert cognito_user(aws, cid)["Enabled"] is True
    assert "AuthenticationResult" in password_sign_in(aws, body["email"].lower(), PASSWORD)
    assert consents(aws, cid)["product_updates"] is False
    assert aws.call("me", "GET", "/v1/me", identity=customer(cid))[1]["status"] == "ACTIVE"
    assert reactivate(aws, cid)[0] == 409
    lifecycle_entries = [a for a in actions(aws, cid) if a.startswith("account.")]
    assert lifecycle_entries == ["account.close", "account.reactivate"]
    # Closing again starts a new grace period.
    assert close(aws, cid)[0] == 202


@pytest.mark.clause("P1.2", "P2.2", "P2.3", "P3.3", "P3.7", "P4")
def test_reactivation_of_an_unknown_customer_is_404(aws: Deployed) -> None:
    assert reactivate(aws, "00000000-0000-0000-0000-000000000000", role="Admin")[0] == 404


def _due(store: LifecycleStore, now: datetime) -> list[str]:
    """Every customer the erasure finds due at ``now``, page after page."""
    due: list[str] = []
    after: Position | None = {}
    while after is not None:
        page = store.due_page(now, after, 100)
        due += [customer_id for customer_id, _ in page.items]
        after = page.after
    return due


@pytest.mark.clause("P1.2", "P2.2", "P2.3", "P3.3", "P3.7", "P4")
def test_legal_holds_are_placed_listed_released_and_audited_and_never_stop_a_closure(
    aws: Deployed,
) -> None:
    _, cid = registered(aws)
    status, placed = place_hold(aws, cid)
    assert status == 201, placed
    hold_id = placed["hold_id"]
    assert close(aws, cid)[0] == 202  # a hold never stops a closure
    store = _lifecycle_store(aws)
    later = datetime.now(UTC) + timedelta(days=31)
    assert cid in _due(store, later)
    assert cid not in _due(store, datetime.now(UTC))
    assert store.has_active_hold(cid, later)

    path = f"/v1/staff/legal-holds/{hold_id}/release"
    release = {"note": "Vụ việc đã khép lại"}
    assert lifecycle(aws, "POST", path, staff("Support"), release)[0] == 403
    status, released = lifecycle(aws, "POST", path, staff("Admin"), release)
    assert (status, released) == (200, {"hold_id": hold_id, "status": "RELEASED"})
    assert lifecycle(aws, "POST", path, staff("Admin"), release)[0] == 409
    assert not store.has_active_hold(cid, later)

    status, listed = holds(aws, cid)
    assert status == 200
    (hold,) = listed["holds"]
    assert hold["status"] == "RELEASED"
    assert (hold["reason"], hold["release_note"]) == ("Điều tra", "Vụ việc đã khép lại")
    assert hold["authority_reference"] == "BCA-2026/117"
    assert {"legal_hold.place", "legal_hold.release", "legal_hold.list"} <= set(actions(aws, cid))


@pytest.mark.clause("P1.2", "P2.2", "P2.3", "P3.3", "P3.7", "P4")
def test_a_hold_with_an_until_in_the_past_is_not_active(aws: Deployed) -> None:
    _, cid = registered(aws)
    body = {"customer_id": cid, "authority_reference": "TA-1", "reason": "x", "until": "2026-01-01"}
    assert lifecycle(aws, "POST", "/v1/staff/legal-holds", staff("Compliance"), body)[0] == 201
    assert not _lifecycle_store(aws).has_active_hold(cid, datetime(2026, 1, 2, tzinfo=UTC))
    assert _lifecycle_store(aws).has_active_hold(cid, datetime(2026, 1, 1, 12, tzinfo=UTC))


@pytest.mark.clause("P1.2", "P2.2", "P2.3", "P3.3", "P3.7", "P4")
def test_holds_for_unknown_customers_and_unknown_holds_are_404(aws: Deployed) -> None:
    assert place_hold(aws, "nobody")[0] == 404
    path = "/v1/staff/legal-holds/nothing/release"
    assert lifecycle(aws, "POST", path, staff("Compliance"), {"note": "x"})[0] == 404


@pytest.mark.parametrize(
    ("path", "who", "body"),
    [
        ("/v1/me/closure", "customer", {"reason": "x", "extra": 1}),
        ("/v1/me/closure", "customer", {"reason": "x" * 2001}),
        ("/v1/staff/legal-holds", "Compliance", {"customer_id": "x", "reason": "x"}),
        (
            "/v1/staff/legal-holds",
            "Compliance",
            {"customer_id": "x", "authority_reference": "r", "reason": "x", "until": "soon"},
        ),
        ("/v1/staff/accounts/x/reactivation", "Support", {"purpose": "curiosity", "note": "x"}),
        ("/v1/staff/legal-holds/x/release", "Admin", {}),
        ("/v1/recoveries", "guest", {"email": "not an email", "phone": "0967915569"}),
        ("/v1/recoveries", "guest", {"email": "a@example.com", "phone": "+1 415 555 2671"}),
        (
            "/v1/recoveries/x/verification",
            "guest",
            {"email_code": "123456", "phone_code": "123456"},
        ),
        (
            "/v1/recoveries/x/verification",
            "guest",
            {"email_code": "12345", "phone_code": "123456", "reset_mfa": True},
        ),
    ],
)
@pytest.mark.clause("P1.2", "P2.2", "P2.3", "P3.3", "P3.7", "P4")
def test_bad_input_is_a_400_naming_no_value(
    aws: Deployed, path: str, who: str, body: dict[str, Any]
) -> None:
    identities = {"customer": lambda: customer("00000000-0000-0000-0000-000000000001")}
    identity = identities.get(who, guest)() if who in ("customer", "guest") else staff(who)
    status, answer = lifecycle(aws, "POST", path, identity, body)
    assert (status, answer["error"]["code"]) == (400, "VALIDATION_ERROR"), answer


def _lifecycle_store(aws: Deployed) -> Any:
    with aws.environment_of("account_lifecycle"):
        return services.account_lifecycle().lifecycle_store


@pytest.mark.clause("P1.2", "P2.2", "P2.3", "P3.3", "P3.7", "P4")
def test_an_approved_change_of_address_signs_the_customer_out_everywhere(aws: Deployed) -> None:
    body, cid = registered(aws)
    tokens = password_sign_in(aws, body["email"].lower(), PASSWORD)["AuthenticationResult"]
    new_email = f"moved.{cid[:8]}@example.com"
    _, created = me(
        aws, cid, "POST", "/v1/me/edit-requests", {"changes": {"email": new_email}, "reason": "x"}
    )
    eid = created["edit_request_id"]
    code = {"email_code": code_to(aws, new_email)}
    assert me(aws, cid, "POST", f"/v1/me/edit-requests/{eid}/verification", code)[0] == 200
    assert decide(aws, eid, "approve")[1]["status"] == "APPLIED"
    with pytest.raises(ClientError, match="NotAuthorized"):
        refresh(aws, tokens["RefreshToken"])


# Recovery


@pytest.mark.clause("P1.2", "P2.2", "P2.3", "P3.3", "P3.7", "P4")
def test_a_recovery_sets_the_password_removes_the_app_signs_out_and_tells_both(
    aws: Deployed,
) -> None:
    body, cid = registered(aws)
    email, phone = body["email"].lower(), e164(body["phone"])
    tokens = password_sign_in(aws, email, PASSWORD)["AuthenticationResult"]
    status, started = start_recovery(aws, body["email"], body["phone"])
    assert status == 202
    assert set(started) == {"recovery_id", "expires_at"}
    status, answer = verify_recovery(
        aws,
        started["recovery_id"],
        email,
        body["phone"],
        new_password=NEW_PASSWORD,
        reset_mfa=True,
    )
    assert (status, answer) == (200, {"status": "RECOVERED"})
    with pytest.raises(ClientError, match="NotAuthorized"):
        password_sign_in(aws, email, PASSWORD)
    assert password_sign_in(aws, email, NEW_PASSWORD)["ChallengeName"] == "SMS_MFA"
    assert cognito_user(aws, cid)["PreferredMfaSetting"] == "SMS_MFA"
    with pytest.raises(ClientError, match="NotAuthorized"):
        refresh(aws, tokens["RefreshToken"])
    assert "khôi phục" in aws.messages_to(email)[-1]["subject"]
    texts = [m["body"] for m in aws.messages_to(phone)]
    assert any("vua duoc khoi phuc" in text for text in texts)
    assert "sign-in code" in texts[-1]  # Cognito texted the SMS MFA code of the sign-in
    # Done: another try is a conflict.
    path = f"/v1/recoveries/{started['recovery_id']}/verification"
    wrong = {"email_code": "000000", "phone_code": "000000", "reset_mfa": True}
    assert lifecycle(aws, "POST", path, guest(), wrong)[0] == 409


@pytest.mark.clause("P1.2", "P2.2", "P2.3", "P3.3", "P3.7", "P4")
def test_a_pair_that_is_not_one_active_account_answers_the_same_and_sends_nothing(
    aws: Deployed,
) -> None:
    body, cid = registered(aws)
    other, _ = registered(aws)
    stranger = (f"nobody.{cid[:8]}@example.com", new_phone())
    closed, closed_id = registered(aws)
    assert close(aws, closed_id)[0] == 202
    pairs = [
        stranger,
        (body["email"], other["phone"]),  # two accounts' addresses
        (body["email"], stranger[1]),
        (closed["email"], closed["phone"]),  # a closing account
    ]
    for email, phone in pairs:
        sent = {a: len(aws.messages_to(a)) for a in (email.lower(), e164(phone))}
        status, started = start_recovery(aws, email, phone)
        assert status == 202
        assert set(started) == {"recovery_id", "expires_at"}
        assert {a: len(aws.messages_to(a)) for a in sent} == sent
        wrong = {"email_code": "123456", "phone_code": "654321", "reset_mfa": True}
        path = f"/v1/recoveries/{started['recovery_id']}/verification"
        status, refused = lifecycle(aws, "POST", path, guest(), wrong)
        assert (status, refused["error"]["code"]) == (400, "INVALID_CODE")
        assert refused["error"]["attempts_remaining"] == 4


@pytest.mark.clause("P1.2", "P2.3", "P4")
def test_a_recovery_retried_after_its_codes_could_not_be_queued_completes_the_first_one(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    body, _ = registered(aws)
    email, phone = body["email"].lower(), e164(body["phone"])
    sent = {a: len(aws.messages_to(a)) for a in (email, phone)}
    who, pair = guest(), {"email": email, "phone": body["phone"]}
    key = {"Idempotency-Key": uuid.uuid4().hex}
    first = datetime.now(UTC) - timedelta(seconds=30)
    monkeypatch.setattr(recovery_module, "utcnow", lambda: first)
    failing_once(monkeypatch, "RequestThrottled", "SendMessage")
    status, refused = lifecycle(aws, "POST", "/v1/recoveries", who, pair, headers=key)
    assert (status, refused["error"]["code"]) == (503, "SERVICE_UNAVAILABLE")
    monkeypatch.setattr(recovery_module, "utcnow", lambda: first + timedelta(seconds=30))
    status, started = lifecycle(aws, "POST", "/v1/recoveries", who, pair, headers=key)
    assert status == 202
    # The recovery the first attempt kept, not a new one: its codes expire as it said.
    assert started["expires_at"] == timestamp(first + CODE_LIFETIME)
    assert {a: len(aws.messages_to(a)) - sent[a] for a in sent} == {email: 1, phone: 1}
    recovered = verify_recovery(aws, started["recovery_id"], email, body["phone"], reset_mfa=True)
    assert recovered == (200, {"status": "RECOVERED"})


@pytest.mark.clause("P1.2", "P2.2", "P2.3", "P3.3", "P3.7", "P4")
def test_wrong_codes_lock_after_five_tries_and_resend_waits_a_minute(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    body, _ = registered(aws)
    _, started = start_recovery(aws, body["email"], body["phone"])
    rid = started["recovery_id"]
    resend = f"/v1/recoveries/{rid}/resend"
    assert lifecycle(aws, "POST", resend, guest())[0] == 429
    later = datetime.now(UTC) + timedelta(seconds=61)
    monkeypatch.setattr(recovery_module, "utcnow", lambda: later)
    status, resent = lifecycle(aws, "POST", resend, guest())
    assert (status, resent["recovery_id"]) == (202, rid)
    wrong = {"email_code": "000000", "phone_code": "000000", "new_password": NEW_PASSWORD}
    path = f"/v1/recoveries/{rid}/verification"
    answers = [lifecycle(aws, "POST", path, guest(), wrong)[0] for _ in range(6)]
    assert answers == [400] * 5 + [429]
    assert verify_recovery(aws, rid, body["email"].lower(), body["phone"], reset_mfa=True)[0] == 429


@pytest.mark.clause("P1.2", "P4")
def test_a_wrong_guess_makes_the_same_aws_calls_whether_or_not_the_pair_is_an_account(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing in what a verification calls, nor so in its time, tells a guesser whether the
    pair is an account's: the calls are compared in order, by operation and resource."""
    body, cid = registered(aws)
    pairs = [(body["email"], body["phone"]), (f"nobody.{cid[:8]}@example.com", new_phone())]
    started = [start_recovery(aws, email, phone)[1]["recovery_id"] for email, phone in pairs]
    wrong = f"{(int(code_to(aws, body['email'].lower())) + 1) % 10**6:06d}"
    guess = {"email_code": wrong, "phone_code": wrong, "reset_mfa": True}
    recorder = Recorder(Resources(aws.template, aws.resolver))
    made = []
    for recovery_id in started:
        path = f"/v1/recoveries/{recovery_id}/verification"
        with recorder.installed(monkeypatch):
            status, refused = lifecycle(aws, "POST", path, guest(), guess)
        assert (status, refused["error"]["code"]) == (400, "INVALID_CODE")
        made.append([call[1:] for call in recorder.calls if call[0] == LIFECYCLE])
        recorder.calls.clear()
    account, no_account = made
    assert [operation for operation, _ in account] == ["dynamodb.UpdateItem", "kms.Decrypt"]
    assert account == no_account


@pytest.mark.clause("P1.2", "P2.3", "P4")
def test_a_recovery_is_decided_before_cognito_and_a_retry_finishes_what_failed_after(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The decision (the recovery done, its entry, both notices) commits before any Cognito
    change; when a change fails, the retry of the request (same key) makes them, and nothing is
    recorded or sent twice."""
    body, cid = registered(aws)
    email, phone = body["email"].lower(), e164(body["phone"])
    _, started = start_recovery(aws, body["email"], body["phone"])
    path = f"/v1/recoveries/{started['recovery_id']}/verification"
    proof = {"email_code": code_to(aws, email), "phone_code": code_to(aws, phone)}
    request = {**proof, "new_password": NEW_PASSWORD, "reset_mfa": True}
    who, key = guest(), {"Idempotency-Key": uuid.uuid4().hex}
    told = {a: len(aws.messages_to(a)) for a in (email, phone)}
    with monkeypatch.context() as failing:
        failing_once(failing, "InternalErrorException", "AdminSetUserPassword")
        status, failed = lifecycle(aws, "POST", path, who, request, headers=key)
    assert (status, failed["error"]["code"]) == (503, "SERVICE_UNAVAILABLE")
    assert actions(aws, cid).count("account.recover") == 1
    assert {a: len(aws.messages_to(a)) - told[a] for a in told} == {email: 1, phone: 1}
    assert "AuthenticationResult" in password_sign_in(aws, email, PASSWORD)  # not yet changed

    assert lifecycle(aws, "POST", path, who, request, headers=key) == (200, {"status": "RECOVERED"})
    with pytest.raises(ClientError, match="NotAuthorized"):
        password_sign_in(aws, email, PASSWORD)
    assert password_sign_in(aws, email, NEW_PASSWORD)["ChallengeName"] == "SMS_MFA"
    assert actions(aws, cid).count("account.recover") == 1
    assert {a: len(aws.messages_to(a)) - told[a] for a in told} == {email: 1, phone: 2}


@pytest.mark.clause("P1.2", "P2.2", "P2.3", "P3.3", "P3.7", "P4")
def test_a_weak_new_password_is_refused_and_changes_nothing(aws: Deployed) -> None:
    body, _ = registered(aws)
    email = body["email"].lower()
    _, started = start_recovery(aws, body["email"], body["phone"])
    status, refused = verify_recovery(
        aws, started["recovery_id"], email, body["phone"], new_password="short", reset_mfa=True
    )
    assert (status, refused["error"]["code"]) == (400, "WEAK_PASSWORD")
    assert "AuthenticationResult" in password_sign_in(aws, email, PASSWORD)


@pytest.mark.clause("P1.2", "P2.2", "P2.3", "P3.3", "P3.7", "P4")
def test_an_unknown_recovery_is_404(aws: Deployed) -> None:
    body = {"email_code": "123456", "phone_code": "123456", "reset_mfa": True}
    assert lifecycle(aws, "POST", "/v1/recoveries/nothing/verification", guest(), body)[0] == 404
    assert lifecycle(aws, "POST", "/v1/recoveries/nothing/resend", guest())[0] == 404


@pytest.mark.clause("P2.5", "P5")
def test_a_completed_recovery_is_audited_once_as_the_customer_with_no_personal_value(
    aws: Deployed,
) -> None:
    body, cid = registered(aws)
    email, phone = body["email"].lower(), e164(body["phone"])
    _, started = start_recovery(aws, body["email"], body["phone"])
    path = f"/v1/recoveries/{started['recovery_id']}/verification"
    proof = {"email_code": code_to(aws, email), "phone_code": code_to(aws, phone)}
    request = {**proof, "new_password": NEW_PASSWORD, "reset_mfa": False}
    who, key = guest(), {"Idempotency-Key": uuid.uuid4().hex}
    assert lifecycle(aws, "POST", path, who, request, headers=key)[0] == 200
    assert lifecycle(aws, "POST", path, who, request, headers=key)[0] == 200  # nothing twice

    _, _, items = audit_items(aws, cid)
    recovered = [i for i in items if i["action"]["S"] == "account.recover"]
    assert len(recovered) == 1
    entry = recovered[0]
    assert (entry["actor"]["S"], entry["role"]["S"]) == (cid, "customer")
    text = str(entry)
    assert not [v for v in (email, phone, body["full_name"], NEW_PASSWORD) if v in text]
    assert json.loads(entry["details"]["S"]) == {
        "recovery_id": started["recovery_id"],
        "new_password": True,
        "reset_mfa": False,
    }


@pytest.mark.clause("P2.2", "P3.1")
def test_a_closing_customer_may_only_close_again_or_sign_out_until_reactivated(
    aws: Deployed,
) -> None:
    """Credentials issued before a closure live up to an hour: the handlers refuse them."""
    _, cid = registered(aws)
    who = customer(cid)
    assert close(aws, cid)[0] == 202
    edit = {"changes": {"full_name": "Nguyễn Văn Bình"}, "reason": "typo"}
    complaint = {"category": "service", "subject": "Hoá đơn", "message": "Sai."}
    refused = [
        aws.call("me", "GET", "/v1/me", identity=who),
        aws.call("me", "GET", "/v1/me/export", identity=who),
        aws.call("me", "PUT", "/v1/me/consents/marketing", body={"granted": True}, identity=who),
        me(aws, cid, "POST", "/v1/me/edit-requests", edit),
        aws.call("complaints", "POST", "/v1/complaints", body=complaint, identity=who),
    ]
    assert {(status, body["error"]["code"]) for status, body in refused} == {
        (403, "ACCOUNT_CLOSING")
    }
    assert consents_stored(aws, cid)["marketing"] is False  # the refused grant changed nothing
    assert close(aws, cid)[0] == 202
    assert lifecycle(aws, "POST", "/v1/me/sign-out", who)[0] == 204
    assert reactivate(aws, cid)[0] == 200
    assert aws.call("me", "GET", "/v1/me", identity=who)[0] == 200
