"""Journeys through the local runtime with signed requests, as API.md's principals: a customer
who registers and signs in with TOTP, staff sessions, unsigned calls, codes from the outbox."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import requests

from local.client import LocalClient, SignedSession
from local.cognito import UserPoolClient
from tests.support.phones import new_phone


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


def latest_code(local_runtime: LocalClient, address: str, after: int = 0) -> str:
    """The code in the newest message to ``address``, once more than ``after`` have arrived."""
    messages = arrived(local_runtime, address, after + 1)
    assert messages, f"nothing was sent to {address}"
    found = re.search(r"\b(\d{6})\b", messages[-1]["body"])
    assert found, "the last message holds no code"
    return found.group(1)


def sign_in(local_runtime: LocalClient, email: str, password: str) -> dict[str, Any]:
    """Enrol an authenticator app, then sign in with email, password and a TOTP code."""
    pool = UserPoolClient(local_runtime.config)
    secret = pool.enrol_totp(email, password)
    tokens = pool.sign_in_with_app(email, password, secret)
    return {"secret": secret, "tokens": tokens}


def unsigned(local_runtime: LocalClient, method: str, path: str) -> requests.Response:
    return requests.request(method, local_runtime.api_url + path, timeout=30)
