"""Journeys through the local runtime with signed requests, as API.md's principals: a customer
who registers and signs in with TOTP, staff sessions, unsigned calls, codes from the outbox."""

from __future__ import annotations

import re
import time
import uuid
from datetime import datetime
from typing import Any

import requests
from botocore.exceptions import ClientError

from local.client import LocalClient, SignedSession
from local.cognito import UserPoolClient
from ongpt.platform.clock import timestamp
from tests.support.phones import new_phone
from tests.support.runtime import aws_client

CODE = re.compile(r"\b(\d{6})\b")  # a registration, change or recovery code in a message


def staff(local_runtime: LocalClient, role: str) -> SignedSession:
    return local_runtime.session(staff_role=role, staff_id=f"{role}-tester")


def register(local_runtime: LocalClient, guest: SignedSession, **fields: Any) -> dict[str, Any]:
    """A new customer through the API: register, read both codes, verify. Their details. The
    addresses may have had messages before (an erased account's): the codes are the new ones."""
    details = {
        "full_name": "Nguyễn Văn An",
        "phone": new_phone(),
        "email": f"an.{uuid.uuid4().hex[:10]}@example.com",
        "password": "correct-Horse-battery-9",
        **fields,
    }
    details["e164"] = "+84" + re.sub(r"\D", "", details["phone"])[1:]
    earlier = {a: len(local_runtime.outbox(a)) for a in (details["email"], details["e164"])}
    started = guest.request(
        "POST",
        "/v1/registrations",
        json_body={
            "full_name": details["full_name"],
            "phone": details["phone"],
            "email": details["email"],
            "consents": {
                "privacy_policy": "2024-10",
                "terms": "2024-10",
                "marketing": False,
                "product_updates": True,
            },
        },
    )
    assert started.status_code == 202, started.text
    details["registration_id"] = started.json()["registration_id"]
    verified = guest.request(
        "POST",
        f"/v1/registrations/{details['registration_id']}/verification",
        json_body={
            "email_code": latest_code(local_runtime, details["email"], earlier[details["email"]]),
            "phone_code": latest_code(local_runtime, details["e164"], earlier[details["e164"]]),
            "password": details["password"],
        },
    )
    assert verified.status_code == 201, verified.text
    details["customer_id"] = verified.json()["customer_id"]
    return details


def email_change(local_runtime: LocalClient, me: SignedSession, email: str) -> str:
    """The customer's request to take ``email``, verified with the code sent to it, awaiting
    review: its id."""
    created = me.request(
        "POST", "/v1/me/edit-requests", json_body={"changes": {"email": email}, "reason": "mới"}
    )
    assert created.status_code == 202, created.text
    edit_id: str = created.json()["edit_request_id"]
    verified = me.request(
        "POST",
        f"/v1/me/edit-requests/{edit_id}/verification",
        json_body={"email_code": latest_code(local_runtime, email)},
    )
    assert verified.json()["status"] == "PENDING_REVIEW", verified.text
    return edit_id


def contract_for(support: SignedSession, customer_id: str, expires: datetime) -> str:
    """A Plus contract recorded by ``support`` for the customer, expiring at ``expires``: its
    id."""
    created = support.request(
        "POST",
        "/v1/staff/contracts",
        json_body={
            "customer_id": customer_id,
            "plan": "Plus",
            "starts_at": "2026-03-01T00:00:00Z",
            "expires_at": timestamp(expires),
        },
    )
    assert created.status_code == 201, created.text
    return str(created.json()["contract_id"])


def arrived(
    local_runtime: LocalClient, address: str, count: int = 1, timeout: float = 15.0
) -> list[dict[str, Any]]:
    """The messages to ``address``, once there are ``count`` (a worker sends registration codes
    a moment after the request) or the time is up."""
    deadline = time.monotonic() + timeout
    while True:
        messages = local_runtime.outbox(address)
        if len(messages) >= count or time.monotonic() > deadline:
            return messages
        time.sleep(0.1)


def latest_code(
    local_runtime: LocalClient, address: str, after: int = 0, timeout: float = 15.0
) -> str:
    """The code in the newest message to ``address`` that holds one, once one has arrived after
    the first ``after`` (other notices may arrive in between, a code's or after it)."""
    deadline = time.monotonic() + timeout
    while True:
        messages = local_runtime.outbox(address)[after:]
        codes = [found.group(1) for m in messages if (found := CODE.search(m["body"]))]
        if codes:
            return codes[-1]
        assert time.monotonic() < deadline, f"no code was sent to {address}"
        time.sleep(0.1)


def sign_in(local_runtime: LocalClient, email: str, password: str) -> dict[str, Any]:
    """Enrol an authenticator app, then sign in with email, password and a TOTP code."""
    pool = UserPoolClient(local_runtime.config)
    secret = pool.enrol_app(email, password)
    tokens = pool.sign_in_with_app(email, password, secret)
    return {"secret": secret, "tokens": tokens}


def signed_in_again(local_runtime: LocalClient, details: dict[str, Any]) -> SignedSession:
    """A session of the customer who enrolled their app before (``sign_in``): ``details``' email,
    password and app ``secret`` sign in again."""
    pool = UserPoolClient(local_runtime.config)
    tokens = pool.sign_in_with_app(details["email"], details["password"], details["secret"])
    return local_runtime.session(id_token=tokens["IdToken"])


def cognito_user_exists(local_runtime: LocalClient, customer_id: str) -> bool:
    idp = aws_client(local_runtime, "cognito-idp")
    try:
        idp.admin_get_user(UserPoolId=local_runtime.config["user_pool_id"], Username=customer_id)
    except ClientError as error:
        if error.response["Error"]["Code"] == "UserNotFoundException":
            return False
        raise
    return True


def unsigned(local_runtime: LocalClient, method: str, path: str) -> requests.Response:
    return requests.request(method, local_runtime.api_url + path, timeout=30)
