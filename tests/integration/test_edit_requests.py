"""P6.1: changes to contact details, proven, reviewed by staff, applied all at once; a decision
or a withdrawal, its audit entry and the notices of an applied change are one transaction, the
notices sent from the outbox (issue 14)."""

from __future__ import annotations

import io
import uuid
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from ongpt import services
from ongpt.edits.models import EditRequestCreate
from ongpt.notify.delivery import Notifier
from ongpt.notify.send_limits import SendLimits
from tests.support.deployed import Deployed, customer, staff
from tests.support.failing import failing_once
from tests.support.faults import refusing
from tests.support.journeys import audit_items, code_to, decide, e164, me, registered
from tests.support.phones import new_phone


def rename(aws: Deployed, customer_id: str, full_name: str) -> str:
    """A request to change only the name (straight to review); its id."""
    body = {"changes": {"full_name": full_name}, "reason": "typo"}
    status, created = me(aws, customer_id, "POST", "/v1/me/edit-requests", body)
    assert (status, created["status"]) == (202, "PENDING_REVIEW")
    return str(created["edit_request_id"])


def profile(aws: Deployed, customer_id: str) -> dict[str, Any]:
    status, body = aws.call("me", "GET", "/v1/me", identity=customer(customer_id))
    assert status == 200
    return body


@pytest.mark.clause("P6.1")
def test_a_new_email_is_proven_reviewed_and_applied_everywhere(aws: Deployed) -> None:
    body, cid = registered(aws)
    new_email = f"new.{uuid.uuid4().hex[:8]}@example.com"
    status, created = me(
        aws,
        cid,
        "POST",
        "/v1/me/edit-requests",
        {"changes": {"email": new_email}, "reason": "new job"},
    )
    assert (status, created["status"]) == (202, "PENDING_VERIFICATION")
    eid = created["edit_request_id"]
    status, verified = me(
        aws,
        cid,
        "POST",
        f"/v1/me/edit-requests/{eid}/verification",
        {"email_code": code_to(aws, new_email)},
    )
    assert (status, verified["status"]) == (200, "PENDING_REVIEW")

    status, queue = aws.call(
        "edit_requests",
        "GET",
        "/v1/staff/edit-requests",
        identity=staff("Support"),
        query={"status": "PENDING_REVIEW"},
    )
    assert status == 200
    mine = next(e for e in queue["edit_requests"] if e["edit_request_id"] == eid)
    assert mine["changes"]["email"] == {"old": "a***@example.com", "new": "n***@example.com"}

    status, decided = decide(aws, eid, "approve")
    assert (status, decided["status"]) == (200, "APPLIED")
    assert profile(aws, cid)["email"] == new_email
    pool = aws.function("edit_requests").environment["USER_POOL_ID"]
    user = boto3.client("cognito-idp").admin_get_user(UserPoolId=pool, Username=cid)
    assert {"Name": "email", "Value": new_email} in user["UserAttributes"]
    for address in (body["email"], new_email):
        assert "đã được duyệt và áp dụng" in aws.messages_to(address)[-1]["body"]
    notices = aws.call("me", "GET", "/v1/me/notifications", identity=customer(cid))[1][
        "notifications"
    ]
    assert any(n["type"] == "profile_changed" and n["channel"] == "email" for n in notices)
    assert all(set(n) == {"type", "channel", "sent_at"} for n in notices)  # never a message body


def to_new_email(aws: Deployed) -> tuple[str, str, dict[str, Any]]:
    """A new customer, a new email and the body of a request to move to it."""
    _, cid = registered(aws)
    new_email = f"new.{uuid.uuid4().hex[:8]}@example.com"
    return cid, new_email, {"changes": {"email": new_email}, "reason": "new job"}


def filed(aws: Deployed, customer_id: str) -> list[dict[str, Any]]:
    status, listed = me(aws, customer_id, "GET", "/v1/me/edit-requests")
    assert status == 200
    return list(listed["edit_requests"])


@pytest.mark.clause("P6.1", "P4")
def test_a_request_retried_after_its_code_could_not_be_sent_is_filed_once_and_coded_once(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid, new_email, change = to_new_email(aws)
    key = {"Idempotency-Key": uuid.uuid4().hex}

    def post() -> tuple[int, dict[str, Any]]:
        return aws.call(
            "edit_requests",
            "POST",
            "/v1/me/edit-requests",
            body=change,
            identity=customer(cid),
            headers=key,
        )

    failing_once(monkeypatch, "TooManyRequestsException", "SendEmail")
    status, refused = post()
    assert (status, refused["error"]["code"]) == (503, "SERVICE_UNAVAILABLE")
    status, created = post()
    assert (status, created["status"]) == (202, "PENDING_VERIFICATION")
    assert [e["edit_request_id"] for e in filed(aws, cid)] == [created["edit_request_id"]]
    assert len(aws.messages_to(new_email)) == 1
    path = f"/v1/me/edit-requests/{created['edit_request_id']}/verification"
    assert me(aws, cid, "POST", path, {"email_code": code_to(aws, new_email)})[0] == 200


@pytest.mark.clause("P6.1", "P4")
def test_a_request_filed_again_under_its_id_sends_no_second_code(aws: Deployed) -> None:
    """What a retry does when the first attempt's answer was lost after its code was sent (the
    idempotency record's completion failed): the route runs again, with the same id."""
    cid, new_email, change = to_new_email(aws)
    request, eid = EditRequestCreate.model_validate(change), str(uuid.uuid4())
    with aws.environment_of("edit_requests"):
        answers = [services.edit_requests().create(cid, eid, request) for _ in range(2)]
    assert answers[0] == answers[1]
    assert [e["edit_request_id"] for e in filed(aws, cid)] == [eid]
    assert len(aws.messages_to(new_email)) == 1


@pytest.mark.clause("P6.1", "P1.2")
def test_a_new_address_whose_code_was_never_sent_cannot_be_proven(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid, new_email, change = to_new_email(aws)
    monkeypatch.setattr(SendLimits, "by_caller", lambda *_: False)  # over the customer's limit
    status, created = me(aws, cid, "POST", "/v1/me/edit-requests", change)
    assert (status, created["status"]) == (202, "PENDING_VERIFICATION")
    assert aws.messages_to(new_email) == []
    path = f"/v1/me/edit-requests/{created['edit_request_id']}/verification"
    status, refused = me(aws, cid, "POST", path, {"email_code": "123456"})
    assert (status, refused["error"]["code"]) == (400, "INVALID_CODE")


@pytest.mark.clause("P6.1")
def test_changes_without_new_addresses_go_straight_to_review(aws: Deployed) -> None:
    _, cid = registered(aws)
    status, created = me(
        aws,
        cid,
        "POST",
        "/v1/me/edit-requests",
        {"changes": {"full_name": "Nguyễn Văn Bình"}, "reason": "typo"},
    )
    assert (status, created["status"]) == (202, "PENDING_REVIEW")
    assert decide(aws, created["edit_request_id"], "approve")[1]["status"] == "APPLIED"
    assert profile(aws, cid)["full_name"] == "Nguyễn Văn Bình"


@pytest.mark.clause("P6.1")
@pytest.mark.parametrize(("decision", "outcome"), [("approve", "APPLIED"), ("reject", "REJECTED")])
def test_decision_notes_are_sealed_and_shown_to_the_customer(
    aws: Deployed, decision: str, outcome: str
) -> None:
    _, cid = registered(aws)
    edit_id = rename(aws, cid, "Nguyễn Văn Cường")
    note = f"Đã gọi số 0967 915 {uuid.uuid4().hex[:6]} để xác nhận"
    status, decided = aws.call(
        "edit_requests",
        "POST",
        f"/v1/staff/edit-requests/{edit_id}/decision",
        body={"decision": decision, "note": note},
        identity=staff("Support"),
    )
    assert (status, decided["status"]) == (200, outcome)
    table = aws.function("edit_requests").environment["CUSTOMERS_TABLE"]
    assert note not in repr(boto3.client("dynamodb").scan(TableName=table)["Items"])
    status, seen = me(aws, cid, "GET", f"/v1/me/edit-requests/{edit_id}")
    assert (status, seen["note"]) == (200, note)


@pytest.mark.clause("P6.1")
def test_a_clash_with_another_account_is_rejected_at_review(aws: Deployed) -> None:
    other, _ = registered(aws)
    _, cid = registered(aws)
    status, created = me(
        aws,
        cid,
        "POST",
        "/v1/me/edit-requests",
        {"changes": {"phone": other["phone"]}, "reason": "shared phone"},
    )
    assert status == 202  # no enumeration at request time
    eid = created["edit_request_id"]
    me(
        aws,
        cid,
        "POST",
        f"/v1/me/edit-requests/{eid}/verification",
        {"phone_code": code_to(aws, e164(other["phone"]))},
    )
    status, decided = decide(aws, eid, "approve")
    assert (status, decided["status"]) == (200, "REJECTED")
    assert profile(aws, cid)["phone"] != e164(other["phone"])


@pytest.mark.clause("P6.1")
def test_customers_see_and_withdraw_only_their_own_requests(aws: Deployed) -> None:
    _, a = registered(aws)
    _, b = registered(aws)
    _, created = me(
        aws,
        a,
        "POST",
        "/v1/me/edit-requests",
        {"changes": {"phone": new_phone()}, "reason": "new number"},
    )
    eid = created["edit_request_id"]
    assert me(aws, b, "GET", f"/v1/me/edit-requests/{eid}")[0] == 404
    assert me(aws, b, "POST", f"/v1/me/edit-requests/{eid}/withdraw")[0] == 404
    assert [
        e["edit_request_id"] for e in me(aws, a, "GET", "/v1/me/edit-requests")[1]["edit_requests"]
    ] == [eid]
    assert me(aws, b, "GET", "/v1/me/edit-requests")[1]["edit_requests"] == []
    status, withdrawn = me(aws, a, "POST", f"/v1/me/edit-requests/{eid}/withdraw")
    assert (status, withdrawn["status"]) == (200, "WITHDRAWN")
    assert me(aws, a, "POST", f"/v1/me/edit-requests/{eid}/withdraw")[0] == 409


@pytest.mark.clause("P6.1")
def test_the_decision_and_the_queue_views_are_audited(aws: Deployed) -> None:
    _, cid = registered(aws)
    edit_id = rename(aws, cid, "Lê Thị Hoa")
    aws.call("edit_requests", "GET", "/v1/staff/edit-requests", identity=staff("Support"))
    decide(aws, edit_id, "reject")
    status, trail = aws.call(
        "audit", "GET", "/v1/staff/audit", identity=staff("Compliance"), query={"customer_id": cid}
    )
    assert status == 200
    actions = {e["action"] for e in trail["entries"]}
    assert {"edit_request.view", "edit_request.reject"} <= actions
    assert trail["verification"]["valid"] is True


@pytest.mark.clause("P6.1")
@pytest.mark.parametrize(
    "body",
    [
        {"changes": {}, "reason": "nothing"},
        {"changes": {"email": "not-an-email"}, "reason": "x"},
        {"changes": {"full_name": "An"}, "reason": ""},
        {"changes": {"nickname": "An"}, "reason": "x"},
        {"changes": {"full_name": "An"}},
    ],
)
def test_bad_edit_requests_are_400(aws: Deployed, body: dict[str, Any]) -> None:
    _, cid = registered(aws)
    status, answer = me(aws, cid, "POST", "/v1/me/edit-requests", body)
    assert (status, answer["error"]["code"]) == (400, "VALIDATION_ERROR")


@pytest.mark.clause("P6.1")
def test_no_personal_value_of_an_edit_reaches_a_log_line(
    aws: Deployed, every_log_line: io.StringIO
) -> None:
    body, cid = registered(aws)
    new_email, new_phone_number = f"moi.{uuid.uuid4().hex[:8]}@example.com", new_phone()
    _, created = me(
        aws,
        cid,
        "POST",
        "/v1/me/edit-requests",
        {
            "changes": {"email": new_email, "phone": new_phone_number, "full_name": "Trần Văn Mới"},
            "reason": "Chuyển nhà",
        },
    )
    eid = created["edit_request_id"]
    me(
        aws,
        cid,
        "POST",
        f"/v1/me/edit-requests/{eid}/verification",
        {"email_code": code_to(aws, new_email), "phone_code": code_to(aws, e164(new_phone_number))},
    )
    aws.call("edit_requests", "GET", "/v1/staff/edit-requests", identity=staff("Support"))
    assert decide(aws, eid, "approve")[1]["status"] == "APPLIED"
    logged = every_log_line.getvalue()
    assert '"message":"request handled"' in logged
    for value in (
        body["email"],
        new_email,
        new_phone_number,
        e164(new_phone_number),
        "Trần Văn Mới",
        "Chuyển nhà",
        "Nguyễn Văn An",
    ):
        assert value not in logged


def moving_email(aws: Deployed) -> tuple[dict[str, Any], str, str, str]:
    """A customer's request to move to a new email, proven and under review: their registration,
    id, the new email and the request's id."""
    body, cid = registered(aws)
    new_email = f"moving.{uuid.uuid4().hex[:8]}@example.com"
    change = {"changes": {"email": new_email}, "reason": "new job"}
    eid = me(aws, cid, "POST", "/v1/me/edit-requests", change)[1]["edit_request_id"]
    proof = {"email_code": code_to(aws, new_email)}
    assert me(aws, cid, "POST", f"/v1/me/edit-requests/{eid}/verification", proof)[0] == 200
    return body, cid, new_email, eid


APPLIED_NOTICE = ("đã được duyệt và áp dụng", "thong tin lien he cua ban da duoc thay doi")


def told(aws: Deployed, *addresses: str) -> dict[str, int]:
    """How many notices of an applied change (email, SMS) each address got."""
    return {
        a: sum(any(t in m["body"] for t in APPLIED_NOTICE) for m in aws.messages_to(a))
        for a in addresses
    }


def actions(aws: Deployed, customer_id: str) -> list[str]:
    return [item["action"]["S"] for item in audit_items(aws, customer_id)[2]]


@pytest.mark.clause("P6.1", "P4")
def test_an_approval_whose_send_fails_is_applied_and_its_notice_retried_from_the_stream(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    body, cid, new_email, eid = moving_email(aws)
    addresses = (body["email"], new_email, e164(body["phone"]))
    original, failures = Notifier.send, list[str]()

    def failing_once(self: Notifier, channel: str, to: str, *args: Any) -> bool:
        if to == new_email and not failures:
            failures.append(to)
            raise ClientError({"Error": {"Code": "TooManyRequestsException"}}, "SendEmail")
        return original(self, channel, to, *args)

    monkeypatch.setattr(Notifier, "send", failing_once)
    status, decided = decide(aws, eid, "approve")
    assert (status, decided["status"]) == (200, "APPLIED")  # the send is not the write's
    assert failures
    aws.deliver_notices()  # the stream's retry
    aws.deliver_notices()
    assert told(aws, *addresses) == dict.fromkeys(addresses, 1)
    assert profile(aws, cid)["email"] == new_email


@pytest.mark.clause("P6.1", "P4")
def test_an_approval_whose_transaction_fails_leaves_nothing_and_its_retry_applies_once(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    body, cid, new_email, eid = moving_email(aws)
    addresses = (body["email"], new_email, e164(body["phone"]))
    with refusing(monkeypatch, "TransactWriteItems"):
        status, answer = decide(aws, eid, "approve")
    assert (status, answer["error"]["code"]) == (503, "SERVICE_UNAVAILABLE")
    assert profile(aws, cid)["email"] == body["email"].lower()
    assert "edit_request.approve" not in actions(aws, cid)
    assert told(aws, *addresses) == dict.fromkeys(addresses, 0)
    assert sign_in_email(aws, cid) == body["email"].lower()  # never moved
    status, decided = decide(aws, eid, "approve")
    assert (status, decided["status"]) == (200, "APPLIED")
    assert decide(aws, eid, "approve")[0] == 409  # another decision is refused; nothing more
    assert actions(aws, cid).count("edit_request.approve") == 1
    assert told(aws, *addresses) == dict.fromkeys(addresses, 1)


def sign_in_email(aws: Deployed, customer_id: str) -> str:
    pool = aws.function("edit_requests").environment["USER_POOL_ID"]
    user = boto3.client("cognito-idp").admin_get_user(UserPoolId=pool, Username=customer_id)
    return next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "email")


@pytest.mark.clause("P6.1", "P4")
def test_an_approval_whose_sign_in_change_fails_is_applied_and_its_retry_moves_the_sign_in(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Decide, then act: the approval is recorded before Cognito is asked; its retry (the same
    Idempotency-Key) gives the sign-in the new address, and decides nothing again."""
    body, cid, new_email, eid = moving_email(aws)
    addresses = (body["email"], new_email, e164(body["phone"]))

    def approve() -> tuple[int, dict[str, Any]]:
        return aws.call(
            "edit_requests",
            "POST",
            f"/v1/staff/edit-requests/{eid}/decision",
            body={"decision": "approve", "note": "checked"},
            identity=staff("Support"),
            headers={"Idempotency-Key": f"approval-{eid}"},
        )

    with monkeypatch.context() as patch:
        failing_once(patch, "InternalErrorException", "AdminUpdateUserAttributes")
        status, answer = approve()
    assert (status, answer["error"]["code"]) == (503, "SERVICE_UNAVAILABLE")
    assert profile(aws, cid)["email"] == new_email
    assert sign_in_email(aws, cid) == body["email"].lower()
    assert approve() == (200, {"edit_request_id": eid, "status": "APPLIED"})
    assert sign_in_email(aws, cid) == new_email
    assert actions(aws, cid).count("edit_request.approve") == 1
    assert told(aws, *addresses) == dict.fromkeys(addresses, 1)


@pytest.mark.clause("P6.1", "P4")
def test_a_withdrawal_is_audited_with_it_or_not_at_all(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, cid = registered(aws)
    eid = rename(aws, cid, "Trần Thị Mai")
    path = f"/v1/me/edit-requests/{eid}/withdraw"
    with refusing(monkeypatch, "TransactWriteItems"):
        assert me(aws, cid, "POST", path)[0] == 503
    assert me(aws, cid, "GET", f"/v1/me/edit-requests/{eid}")[1]["status"] == "PENDING_REVIEW"
    assert "edit_request.withdraw" not in actions(aws, cid)
    assert me(aws, cid, "POST", path)[1]["status"] == "WITHDRAWN"
    assert actions(aws, cid).count("edit_request.withdraw") == 1
