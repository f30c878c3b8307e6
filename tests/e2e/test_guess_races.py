"""Guesses at one-time codes racing through the local runtime (issue 25, item 1; API.md v1.2,
*Recovery*): every guess is counted before its codes are compared, so parallel guesses are
counted one by one, never past five, and the right codes, held at moto at the write that counts
them while the others run, are refused once five are counted: no recovery, no account, no proof.

Each race: the right guess is sent first and held (``tests/support/runtime.py``, ``held``) at
its first ``UpdateItem`` of the item; then 19 other guesses (5 wrong email codes with the right
phone code, 14 random) are sent at once behind a barrier and answered; then the right one is let
go. The runtime shows that the invocations overlapped."""

from __future__ import annotations

import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

from local.client import LocalClient, SignedSession
from tests.support.runtime import aws_client, held, overlap, serving
from tests.support.signed import latest_code, register, staff

OTHERS = 19
WRONG_EMAIL_CODES = 5
NEW_PASSWORD = "another-Horse-battery-7"


def _guesses(right: dict[str, str], channels: tuple[str, ...]) -> list[dict[str, str]]:
    """5 guesses with a wrong first code and the others right, then random ones: none right."""
    first, *rest = channels

    def other_than(code: str) -> str:
        return f"{(int(code) + random.randint(1, 10**6 - 1)) % 10**6:06d}"  # noqa: S311 - test data

    wrong_first = [{**right, first: other_than(right[first])} for _ in range(WRONG_EMAIL_CODES)]
    randoms = [
        {first: other_than(right[first]), **{c: other_than(right[c]) for c in rest}}
        for _ in range(OTHERS - WRONG_EMAIL_CODES)
    ]
    return wrong_first + randoms


def _race(
    local_runtime: LocalClient,
    session: SignedSession,
    path: str,
    item: str,
    right: dict[str, Any],
    others: list[dict[str, Any]],
) -> tuple[requests.Response, list[requests.Response], dict[str, int]]:
    """``right`` held at its first ``UpdateItem`` naming ``item`` while ``others`` run at once;
    its answer, theirs, and the most invocations of each function at once."""
    start = threading.Barrier(len(others))

    def guess(body: dict[str, Any]) -> requests.Response:
        start.wait(timeout=30)
        return session.request("POST", path, json_body=body)

    with overlap(local_runtime) as peak, ThreadPoolExecutor(len(others) + 1) as pool:
        with held(local_runtime, "UpdateItem", contains=item) as hold:
            first = pool.submit(session.request, "POST", path, json_body=right)
            hold.until_arrived()
            answers = list(pool.map(guess, others))
            assert not first.done()
        held_answer = first.result(timeout=60)
    return held_answer, answers, peak


def _counted(answers: list[requests.Response]) -> Counter[str]:
    return Counter(answer.json()["error"]["code"] for answer in answers)


def _stored(local_runtime: LocalClient, table: str, pk: str, sk: str | None = None) -> Any:
    """An item as stored in the table ``table`` names (``Customers``, ``Registrations``)."""
    dynamodb = aws_client(local_runtime, "dynamodb")
    (name,) = [t for t in dynamodb.list_tables()["TableNames"] if t.startswith(f"Data{table}")]
    key = {"pk": {"S": pk}, **({"sk": {"S": sk}} if sk else {})}
    return dynamodb.get_item(TableName=name, Key=key, ConsistentRead=True)["Item"]


@pytest.mark.clause("P1.2", "P2.3", "P4")
def test_twenty_parallel_recovery_guesses_count_five_and_the_held_right_one_changes_nothing(
    local_runtime: LocalClient, assembly_dir: Path
) -> None:
    guest = local_runtime.session(principal="guest")  # a caller of its own: its own limits
    details = register(local_runtime, guest)
    email, phone = details["email"], details["e164"]
    before = {a: len(local_runtime.outbox(a)) for a in (email, phone)}
    started = guest.request(
        "POST", "/v1/recoveries", json_body={"email": email, "phone": details["phone"]}
    )
    assert started.status_code == 202
    recovery_id = started.json()["recovery_id"]
    codes = {
        "email_code": latest_code(local_runtime, email, before[email]),
        "phone_code": latest_code(local_runtime, phone, before[phone]),
    }
    told = {a: len(local_runtime.outbox(a)) for a in (email, phone)}
    idp = aws_client(local_runtime, "cognito-idp")
    pool_id = local_runtime.config["user_pool_id"]
    mfa = idp.admin_get_user(UserPoolId=pool_id, Username=details["customer_id"])
    resets = {"new_password": NEW_PASSWORD, "reset_mfa": True}
    others = [{**g, **resets} for g in _guesses(codes, ("email_code", "phone_code"))]

    path = f"/v1/recoveries/{recovery_id}/verification"
    right, answers, peak = _race(
        local_runtime, guest, path, recovery_id, {**codes, **resets}, others
    )

    assert peak[serving(assembly_dir, "POST", "/v1/recoveries/{recovery_id}/verification")] > 1
    assert _counted(answers) == {"INVALID_CODE": 5, "TOO_MANY_ATTEMPTS": 14}
    assert (right.status_code, right.json()["error"]["code"]) == (429, "TOO_MANY_ATTEMPTS")
    recovery = _stored(local_runtime, "Registrations", f"RECOVERY#{recovery_id}")
    assert (recovery["attempts"]["N"], recovery["status"]["S"]) == ("5", "PENDING_VERIFICATION")
    # The password and the authenticator as they were; nothing audited, nobody told.
    signed_in = idp.initiate_auth(
        ClientId=local_runtime.config["user_pool_client_id"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": details["password"]},
    )
    assert "AuthenticationResult" in signed_in or "ChallengeName" in signed_in
    with pytest.raises(ClientError, match="NotAuthorized"):
        idp.initiate_auth(
            ClientId=local_runtime.config["user_pool_client_id"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": NEW_PASSWORD},
        )
    now = idp.admin_get_user(UserPoolId=pool_id, Username=details["customer_id"])
    assert [now.get(k) for k in ("PreferredMfaSetting", "UserMFASettingList")] == [
        mfa.get(k) for k in ("PreferredMfaSetting", "UserMFASettingList")
    ]
    audit = staff(local_runtime, "compliance").request(
        "GET", f"/v1/staff/audit?customer_id={details['customer_id']}"
    )
    assert "account.recover" not in [entry["action"] for entry in audit.json()["entries"]]
    assert {a: len(local_runtime.outbox(a)) for a in told} == told


@pytest.mark.clause("P1.2")
def test_twenty_parallel_registration_guesses_count_five_and_the_held_right_one_makes_nothing(
    local_runtime: LocalClient, assembly_dir: Path
) -> None:
    guest = local_runtime.session(principal="guest")
    email = f"race.{random.randrange(10**9)}@example.com"  # noqa: S311 - test data
    local = f"0968{random.randrange(10**6):06d}"  # noqa: S311 - test data
    started = guest.request(
        "POST",
        "/v1/registrations",
        json_body={
            "full_name": "Lê Văn Đoán",
            "phone": local,
            "email": email,
            "consents": {"privacy_policy": "2024-10", "terms": "2024-10"},
        },
    )
    assert started.status_code == 202
    registration_id = started.json()["registration_id"]
    codes = {
        "email_code": latest_code(local_runtime, email),
        "phone_code": latest_code(local_runtime, "+84" + local[1:]),
    }
    password = {"password": "correct-Horse-battery-9"}
    others = [{**g, **password} for g in _guesses(codes, ("email_code", "phone_code"))]

    path = f"/v1/registrations/{registration_id}/verification"
    right, answers, peak = _race(
        local_runtime, guest, path, registration_id, {**codes, **password}, others
    )

    verification = "/v1/registrations/{registration_id}/verification"
    assert peak[serving(assembly_dir, "POST", verification)] > 1
    assert _counted(answers) == {"INVALID_CODE": 5, "TOO_MANY_ATTEMPTS": 14}
    assert (right.status_code, right.json()["error"]["code"]) == (429, "TOO_MANY_ATTEMPTS")
    registration = _stored(local_runtime, "Registrations", f"REGISTRATION#{registration_id}")
    assert (registration["attempts"]["N"], registration["status"]["S"]) == (
        "5",
        "PENDING_VERIFICATION",
    )
    users = aws_client(local_runtime, "cognito-idp").list_users(
        UserPoolId=local_runtime.config["user_pool_id"], Filter=f'email = "{email}"'
    )["Users"]
    assert users == []  # no sign-in was ever made


@pytest.mark.clause("P6.1")
def test_twenty_parallel_edit_guesses_count_five_and_the_held_right_one_proves_nothing(
    local_runtime: LocalClient,
    assembly_dir: Path,
    customer: SignedSession,
    customer_tokens: dict[str, Any],
) -> None:
    new_phone = f"+849{random.randrange(10**8):08d}"  # noqa: S311 - test data
    created = customer.request(
        "POST",
        "/v1/me/edit-requests",
        json_body={"changes": {"phone": new_phone}, "reason": "số mới"},
    )
    assert created.status_code == 202
    edit_id = created.json()["edit_request_id"]
    try:
        code = {"phone_code": latest_code(local_runtime, new_phone)}
        path = f"/v1/me/edit-requests/{edit_id}/verification"
        right, answers, peak = _race(
            local_runtime, customer, path, f"EDIT#{edit_id}", code, _guesses(code, ("phone_code",))
        )

        verification = "/v1/me/edit-requests/{edit_request_id}/verification"
        assert peak[serving(assembly_dir, "POST", verification)] > 1
        assert _counted(answers) == {"INVALID_CODE": 5, "TOO_MANY_ATTEMPTS": 14}
        assert (right.status_code, right.json()["error"]["code"]) == (429, "TOO_MANY_ATTEMPTS")
        edit = _stored(
            local_runtime,
            "Customers",
            f"CUSTOMER#{customer_tokens['customer_id']}",
            f"EDIT#{edit_id}",
        )
        assert (edit["attempts"]["N"], edit["status"]["S"]) == ("5", "PENDING_VERIFICATION")
    finally:  # the session's customer keeps no open request
        customer.request("POST", f"/v1/me/edit-requests/{edit_id}/withdraw")
