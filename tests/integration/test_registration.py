"""Registration, verification and the customer's profile, in-process over moto (P1.1, P1.2, P2.1,
P2.3, P3.1): codes, lockout, expiry, reuse, resend, enumeration, idempotency, atomicity."""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from ongpt import services
from ongpt.notify.send_limits import SendLimits
from ongpt.platform.clock import timestamp
from ongpt.registration import service as registration_module
from ongpt.registration.models import RegistrationRequest
from tests.support.deployed import Deployed, customer, guest
from tests.support.failing import failing_once
from tests.support.journeys import (
    NAME,
    PASSWORD,
    code_to,
    e164,
    registered,
    registration,
    start,
    verify,
)


@pytest.mark.clause("P1.1", "P1.2", "P3.1")
def test_a_guest_registers_verifies_and_reads_their_profile(aws: Deployed) -> None:
    body = registration(phone="0967.9155.69")
    status, accepted = start(aws, body)
    assert status == 202
    assert accepted["status"] == "PENDING_VERIFICATION"
    status, created = verify(aws, accepted["registration_id"], body["email"], "+84967915569")
    assert (status, created["status"]) == (201, "ACTIVE")

    status, profile = aws.call("me", "GET", "/v1/me", identity=customer(created["customer_id"]))
    assert status == 200
    assert profile["full_name"] == NAME
    assert profile["phone"] == "+84967915569"
    assert profile["email"] == body["email"].replace("Example.com", "example.com")
    given = {k: v for k, v in profile["optional"].items() if v is not None}
    assert given == {"company": "OnGPT", "preferred_language": "vi"}
    user = boto3.client("cognito-idp").admin_get_user(
        UserPoolId=aws.function("registration").environment["USER_POOL_ID"],
        Username=profile["email"],
    )
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attributes["sub"] == created["customer_id"]
    assert attributes["email_verified"] == attributes["phone_number_verified"] == "true"


@pytest.mark.clause("P1.2")
def test_a_wrong_code_says_how_many_tries_remain_and_five_lock(aws: Deployed) -> None:
    body = registration()
    _, accepted = start(aws, body)
    rid = accepted["registration_id"]
    for remaining in (4, 3, 2, 1, 0):
        status, answer = verify(aws, rid, body["email"], e164(body["phone"]), email_code="000000")
        assert (status, answer["error"]["code"]) == (400, "INVALID_CODE")
        assert answer["error"]["attempts_remaining"] == remaining
    status, answer = verify(aws, rid, body["email"], e164(body["phone"]))  # right codes, too late
    assert (status, answer["error"]["code"]) == (429, "TOO_MANY_ATTEMPTS")


@pytest.mark.clause("P1.2")
def test_codes_expire_after_ten_minutes(aws: Deployed, monkeypatch: pytest.MonkeyPatch) -> None:
    body = registration()
    _, accepted = start(aws, body)
    later = datetime.now(UTC) + timedelta(minutes=11)
    monkeypatch.setattr(registration_module, "utcnow", lambda: later)
    status, answer = verify(aws, accepted["registration_id"], body["email"], e164(body["phone"]))
    assert (status, answer["error"]["code"]) == (410, "EXPIRED")


@pytest.mark.clause("P1.2")
def test_a_code_works_once(aws: Deployed) -> None:
    body = registration()
    _, accepted = start(aws, body)
    rid = accepted["registration_id"]
    assert verify(aws, rid, body["email"], e164(body["phone"]))[0] == 201
    status, answer = verify(aws, rid, body["email"], e164(body["phone"]))
    assert (status, answer["error"]["code"]) == (409, "ALREADY_REGISTERED")


@pytest.mark.clause("P1.2")
def test_resend_waits_60_seconds_and_replaces_the_codes(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = registration()
    _, accepted = start(aws, body)
    rid = accepted["registration_id"]
    first = code_to(aws, body["email"])
    status, answer = aws.call("registration", "POST", f"/v1/registrations/{rid}/resend")
    assert (status, answer["error"]["code"]) == (429, "TOO_MANY_REQUESTS")

    later = datetime.now(UTC) + timedelta(seconds=61)
    monkeypatch.setattr(registration_module, "utcnow", lambda: later)
    assert aws.call("registration", "POST", f"/v1/registrations/{rid}/resend")[0] == 202
    assert len(aws.messages_to(body["email"])) == 2
    old = {
        "email_code": first,
        "phone_code": code_to(aws, e164(body["phone"])),
        "password": PASSWORD,
    }
    status, _ = aws.call("registration", "POST", f"/v1/registrations/{rid}/verification", body=old)
    assert status == 400 or first == code_to(aws, body["email"])
    assert verify(aws, rid, body["email"], e164(body["phone"]))[0] == 201


@pytest.mark.clause("P1.2")
def test_a_late_message_of_an_older_round_neither_sends_nor_replaces_the_newer_code(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = registration()
    rid = start(aws, body)[1]["registration_id"]
    later = datetime.now(UTC) + timedelta(seconds=61)
    monkeypatch.setattr(registration_module, "utcnow", lambda: later)
    assert aws.call("registration", "POST", f"/v1/registrations/{rid}/resend")[0] == 202
    sent = len(aws.messages_to(body["email"]))
    with aws.environment_of("registration_codes"):
        services.registrations().deliver_codes(rid, 0, True)  # round 0's message, again, late
    assert len(aws.messages_to(body["email"])) == sent
    assert verify(aws, rid, body["email"], e164(body["phone"]))[0] == 201


@pytest.mark.clause("P1.2")
def test_a_failed_send_of_an_older_round_keeps_the_code_a_newer_round_sent(aws: Deployed) -> None:
    """Round 0's email fails after a resend's round 1 was sent meanwhile: taking back round 0's
    claim must not take round 1's code with it."""
    body = registration()
    rid = start(aws, body, deliver=False)[1]["registration_id"]
    with aws.environment_of("registration_codes"):
        codes = services.registrations()
        send = codes.notifier.email

        def resent_meanwhile_then_failed(*args: Any, **kwargs: Any) -> None:
            codes.notifier.email = send  # type: ignore[method-assign]
            codes.registration_store.update(rid, {"round": 1})  # what a resend does
            codes.deliver_codes(rid, 1, False)
            raise ConnectionError("SES timed out")

        codes.notifier.email = resent_meanwhile_then_failed  # type: ignore[method-assign]
        with pytest.raises(ConnectionError):
            codes.deliver_codes(rid, 0, True)
    assert verify(aws, rid, body["email"], e164(body["phone"]))[0] == 201


@pytest.mark.clause("P1.2", "P2.3")
def test_a_weak_password_is_refused_and_the_codes_stay_good(aws: Deployed) -> None:
    body = registration()
    _, accepted = start(aws, body)
    rid = accepted["registration_id"]
    status, answer = verify(aws, rid, body["email"], e164(body["phone"]), password="password")
    assert (status, answer["error"]["code"]) == (400, "WEAK_PASSWORD")
    assert verify(aws, rid, body["email"], e164(body["phone"]))[0] == 201


@pytest.mark.clause("P1.2")
def test_a_taken_email_in_other_letters_gets_a_notice_and_never_completes(aws: Deployed) -> None:
    owner, _ = registered(aws)
    again = registration(email=owner["email"].upper())
    status, accepted = start(aws, again)
    assert status == 202  # no account enumeration
    notice = aws.messages_to(owner["email"])[-1]
    assert "đã thuộc về một tài khoản" in notice["body"]
    assert not re.search(r"\b\d{6}\b", notice["body"])
    phone_code = code_to(aws, e164(again["phone"]))
    for guess in ("000000", "123456"):
        answer = aws.call(
            "registration",
            "POST",
            f"/v1/registrations/{accepted['registration_id']}/verification",
            body={"email_code": guess, "phone_code": phone_code, "password": PASSWORD},
        )
        assert answer[1]["error"]["code"] == "INVALID_CODE"


@pytest.mark.clause("P1.1", "P3.1")
def test_a_batch_read_left_partly_unprocessed_never_reads_as_a_free_address(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DynamoDB may leave keys of a ``BatchGetItem`` unprocessed (``local/chaos.py``): the guard
    of a taken address must still be found, so its owner is told and gets no code."""
    owner, _ = registered(aws)
    monkeypatch.setenv("LOCAL_CHAOS", "unprocessed=1,seed=26")  # one key processed per call
    for _ in range(4):
        assert start(aws, registration(email=owner["email"]))[0] == 202
        notice = aws.messages_to(owner["email"])[-1]
        assert "đã thuộc về một tài khoản" in notice["body"]
        assert not re.search(r"\b\d{6}\b", notice["body"])


@pytest.mark.clause("P1.1")
def test_the_policy_in_force_must_be_accepted(aws: Deployed) -> None:
    consents = {
        "privacy_policy": "2023-01",
        "terms": "2024-10",
        "marketing": False,
        "product_updates": False,
    }
    status, answer = start(aws, registration(consents=consents))
    assert (status, answer["error"]["code"]) == (400, "POLICY_VERSION_MISMATCH")


@pytest.mark.clause("P1.2", "P4")
def test_an_idempotent_retry_returns_the_first_response_and_sends_nothing_twice(
    aws: Deployed,
) -> None:
    body = registration()
    who = guest()
    key = {"Idempotency-Key": uuid.uuid4().hex}
    first = start(aws, body, identity=who, headers=key)
    again = start(aws, body, identity=who, headers=key)
    assert first == again
    assert len(aws.messages_to(body["email"])) == 1
    other = start(aws, {**body, "full_name": "Trần Thị Bình"}, identity=who, headers=key)
    assert (other[0], other[1]["error"]["code"]) == (409, "IDEMPOTENCY_KEY_REUSED")
    stranger = start(aws, body, headers=key)  # same key, another caller: a request of its own
    assert stranger[1]["registration_id"] != first[1]["registration_id"]


@pytest.mark.clause("P1.2", "P4")
def test_a_start_retried_after_its_codes_could_not_be_queued_completes_the_first_registration(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    body, who = registration(), guest()
    key = {"Idempotency-Key": uuid.uuid4().hex}
    first = datetime.now(UTC) - timedelta(seconds=30)
    monkeypatch.setattr(registration_module, "utcnow", lambda: first)
    failing_once(monkeypatch, "RequestThrottled", "SendMessage")
    status, refused = start(aws, body, identity=who, headers=key)
    assert (status, refused["error"]["code"]) == (503, "SERVICE_UNAVAILABLE")
    monkeypatch.setattr(registration_module, "utcnow", lambda: first + timedelta(seconds=30))
    status, accepted = start(aws, body, identity=who, headers=key)
    assert status == 202
    # The registration the first attempt kept, not a new one: its codes expire as it said.
    assert accepted["expires_at"] == timestamp(first + registration_module.CODE_LIFETIME)
    assert len(aws.messages_to(body["email"])) == len(aws.messages_to(e164(body["phone"]))) == 1
    assert verify(aws, accepted["registration_id"], body["email"], e164(body["phone"]))[0] == 201


@pytest.mark.clause("P1.2", "P4")
def test_a_start_run_again_under_its_id_answers_the_same_and_its_codes_go_once(
    aws: Deployed,
) -> None:
    """What a retry does when the first attempt's answer was lost after its codes were queued
    (the idempotency record's completion failed): the route runs again, with the same id."""
    body, registration_id = registration(), str(uuid.uuid4())
    with aws.environment_of("registration"):  # the allowed countries of a phone are its own
        request = RegistrationRequest.model_validate(body)
        registrations = services.registrations()
        answers = [registrations.start(request, "guest", registration_id) for _ in range(2)]
    assert answers[0] == answers[1]
    aws.work_off(aws.function("registration").environment["REGISTRATION_QUEUE_URL"])
    assert len(aws.messages_to(body["email"])) == len(aws.messages_to(e164(body["phone"]))) == 1
    assert verify(aws, registration_id, body["email"], e164(body["phone"]))[0] == 201


@pytest.mark.clause("P1.2", "P4")
def test_a_retry_over_the_callers_limit_answers_when_the_first_attempts_codes_expire(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    registration_id = str(uuid.uuid4())
    with aws.environment_of("registration"):
        request = RegistrationRequest.model_validate(registration())
        registrations = services.registrations()
        first = registrations.start(request, "guest", registration_id)
        later = datetime.now(UTC) + timedelta(seconds=30)
        monkeypatch.setattr(registration_module, "utcnow", lambda: later)
        monkeypatch.setattr(SendLimits, "by_caller", lambda *_: False)
        assert registrations.start(request, "guest", registration_id) == first


@pytest.mark.clause("P1.2", "P4")
def test_a_failure_after_the_sign_in_was_made_leaves_nothing_behind(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = registration()
    _, accepted = start(aws, body)
    rid = accepted["registration_id"]

    def fail(*_args: Any, **_kwargs: Any) -> None:
        raise ClientError(
            {"Error": {"Code": "ProvisionedThroughputExceededException"}}, "TransactWriteItems"
        )

    monkeypatch.setattr("ongpt.audit.store.AuditLog.write_once", fail)
    status, answer = verify(aws, rid, body["email"], e164(body["phone"]))
    assert (status, answer["error"]["code"]) == (503, "SERVICE_UNAVAILABLE")
    pool = aws.function("registration").environment["USER_POOL_ID"]
    with pytest.raises(ClientError, match="UserNotFound"):
        boto3.client("cognito-idp").admin_get_user(UserPoolId=pool, Username=body["email"].lower())
    monkeypatch.undo()
    assert verify(aws, rid, body["email"], e164(body["phone"]))[0] == 201  # the retry succeeds


BAD_INPUTS = [
    ("full_name", "Nguyễn 2"),
    ("full_name", "<b>An</b>"),
    ("full_name", "An 😀"),
    ("full_name", "x" * 101),
    ("full_name", ""),
    ("full_name", "   "),
    ("full_name", "An\u0000"),
    ("full_name", "An\nBình"),
    ("full_name", 42),
    ("full_name", None),
    ("full_name", "---"),
    ("phone", "abc"),
    ("phone", "12345"),
    ("phone", "+84 123"),
    ("phone", "0967-91556"),
    ("phone", "09679155690000000000000000000000000"),
    ("phone", 967915569),
    ("phone", ""),
    ("email", "not-an-email"),
    ("email", "a@"),
    ("email", "@example.com"),
    ("email", "a b@example.com"),
    ("email", "a@example..com"),
    ("email", "x" * 250 + "@example.com"),
    ("email", ["a@example.com"]),
    ("optional", {"favourite_colour": "blue"}),
    ("optional", {"company": "x" * 201}),
    ("optional", {"date_of_birth": "17/05/1990"}),
    ("optional", {"preferred_language": "fr"}),
    ("consents", {"privacy_policy": "2024-10"}),
    ("consents", "yes"),
    ("consents", {"privacy_policy": "2024-10", "terms": "2024-10", "marketing": "true"}),
    ("unexpected", "field"),
]


@pytest.mark.clause("P1.1")
@pytest.mark.parametrize(
    ("field", "value"), BAD_INPUTS, ids=[f"{f}-{i}" for i, (f, _) in enumerate(BAD_INPUTS)]
)
def test_bad_input_is_a_400_naming_the_field(aws: Deployed, field: str, value: Any) -> None:
    status, answer = start(aws, registration(**{field: value}))
    assert status == 400
    assert answer["error"]["code"] == "VALIDATION_ERROR"
    assert any(f["field"].split(".")[0] == field for f in answer["error"]["fields"]), answer


@pytest.mark.clause("P1.1")
def test_an_email_with_letters_outside_ascii_before_the_at_is_refused_clearly(
    aws: Deployed,
) -> None:
    """API.md v1.2: SES sends to no such address, so it is refused, and nothing is sent."""
    status, answer = start(aws, registration(email="nguyễn@example.com"))
    assert (status, answer["error"]["code"]) == (400, "VALIDATION_ERROR")
    (field,) = answer["error"]["fields"]
    assert field["field"] == "email"
    assert "before the @" in field["message"]
    assert "nguyễn" not in str(answer)
    assert aws.messages_to("nguyễn@example.com") == []


@pytest.mark.clause("P1.1", "P1.2")
def test_an_internationalised_domain_registers_is_sent_to_in_punycode_and_shown_as_given(
    aws: Deployed,
) -> None:
    local = f"an.{uuid.uuid4().hex[:8]}"
    given, sendable = f"{local}@bücher.vn", f"{local}@xn--bcher-kva.vn"
    body = registration(email=given)
    status, accepted = start(aws, body)
    assert status == 202
    assert aws.messages_to(given) == []
    status, created = verify(aws, accepted["registration_id"], sendable, e164(body["phone"]))
    assert status == 201, created
    me = aws.call("me", "GET", "/v1/me", identity=customer(created["customer_id"]))[1]
    assert me["email"] == given
    user = boto3.client("cognito-idp").admin_get_user(
        UserPoolId=aws.function("registration").environment["USER_POOL_ID"],
        Username=created["customer_id"],
    )
    assert {"Name": "email", "Value": sendable} in user["UserAttributes"]
    start(aws, registration(email=sendable.upper()))  # the same address, compared in punycode
    assert "đã thuộc về một tài khoản" in aws.messages_to(sendable)[-1]["body"]


@pytest.mark.clause("P1.1")
@pytest.mark.parametrize(
    "name", ["Nguyễn Văn An", "Đặng Thị Ánh", "O'Brien-Smith", "Dr. Jane Doe", "李小龍"]
)
def test_names_of_any_script_pass(aws: Deployed, name: str) -> None:
    assert start(aws, registration(full_name=name))[0] == 202


@pytest.mark.clause("P1.1")
@pytest.mark.parametrize(
    "phone", ["0967.9155.69", "0967 915 569", "+84 967 915 569", "(+84) 96-791-5569"]
)
def test_common_phone_formats_pass(aws: Deployed, phone: str) -> None:
    assert start(aws, registration(phone=phone))[0] == 202


@pytest.mark.clause("P2.1", "P2.5")
def test_no_personal_value_reaches_a_log_line(aws: Deployed, every_log_line: io.StringIO) -> None:
    body = registration(full_name="Đặng Thị Ánh")
    _, accepted = start(aws, body)
    verify(
        aws, accepted["registration_id"], body["email"], e164(body["phone"]), email_code="111111"
    )
    status, created = verify(aws, accepted["registration_id"], body["email"], e164(body["phone"]))
    assert status == 201
    aws.call("me", "GET", "/v1/me", identity=customer(created["customer_id"]))
    aws.call("me", "GET", "/v1/me", identity=customer(str(uuid.uuid4())))  # a 404, logged
    logged = every_log_line.getvalue()
    assert '"message":"request handled"' in logged  # the functions did log
    for value in (
        "Đặng Thị Ánh",
        body["email"],
        body["email"].lower(),
        body["phone"],
        e164(body["phone"]),
    ):
        assert value not in logged


@pytest.mark.clause("P2.1")
def test_no_table_holds_a_plaintext_name_email_or_phone(aws: Deployed) -> None:
    body, _ = registered(aws)
    dynamodb = boto3.client("dynamodb")
    dumped = ""
    for name in dynamodb.list_tables()["TableNames"]:
        for page in dynamodb.get_paginator("scan").paginate(TableName=name):
            dumped += repr(page["Items"])
    assert "CUSTOMER#" in dumped  # the scan saw the records
    assert "REGISTRATION#" in dumped
    for value in (NAME, body["email"], body["email"].lower(), e164(body["phone"]), body["phone"]):
        assert value not in dumped


@pytest.mark.clause("P4")
def test_a_pending_sign_up_expires_in_a_day_and_its_idempotency_record_in_24_hours(
    aws: Deployed,
) -> None:
    """Retention: both items carry their TTL attribute (README, retention schedule)."""
    environment = aws.function("registration").environment
    dynamodb = boto3.client("dynamodb")
    before = int(datetime.now(UTC).timestamp())
    status, accepted = start(aws, registration(), headers={"Idempotency-Key": str(uuid.uuid4())})
    after = int(datetime.now(UTC).timestamp()) + 1
    assert status == 202
    items = dynamodb.scan(TableName=environment["REGISTRATIONS_TABLE"])["Items"]
    (pending,) = [i for i in items if accepted["registration_id"] in i["pk"]["S"]]
    day = int(timedelta(days=1).total_seconds())
    assert before + day <= int(pending["expires_at_epoch"]["N"]) <= after + day
    records = dynamodb.scan(TableName=environment["IDEMPOTENCY_TABLE"])["Items"]
    assert [r for r in records if before + day <= int(r["expiration"]["N"]) <= after + day]
