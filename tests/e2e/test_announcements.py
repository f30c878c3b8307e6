"""P3.3 through the local runtime: announcements fan out through SQS to the worker; a product
update reaches only customers who consent when it is sent, a service change reaches everyone."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from local.client import LocalClient, SignedSession
from tests.support.signed import register, sign_in, staff


def post(local_runtime: LocalClient, kind: str) -> tuple[str, int]:
    """Post an announcement as Admin: its title and how many customers it will reach."""
    title = f"{kind} {uuid.uuid4().hex[:6]}"
    answer = staff(local_runtime, "admin").request(
        "POST",
        "/v1/staff/announcements",
        json_body={"kind": kind, "title": title, "body": "Nội dung."},
    )
    assert answer.status_code == 202, answer.text
    return title, answer.json()["recipients"]


def received(local_runtime: LocalClient, email: str, title: str, wait: float = 15) -> bool:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if any(title in (m["subject"] or "") for m in local_runtime.outbox(email)):
            return True
        time.sleep(0.5)
    return False


def customer_session(
    local_runtime: LocalClient, guest: SignedSession, **consents: Any
) -> tuple[dict[str, Any], SignedSession]:
    details = register(local_runtime, guest)
    tokens = sign_in(local_runtime, details["email"], details["password"])["tokens"]
    return details, local_runtime.session(id_token=tokens["IdToken"])


@pytest.mark.clause("P3.3")
def test_product_updates_follow_consent_at_send_time_and_service_changes_reach_all(
    local_runtime: LocalClient, guest: SignedSession
) -> None:
    consenting, consenting_session = customer_session(local_runtime, guest)  # product_updates: True
    other, other_session = customer_session(local_runtime, guest)
    assert (
        other_session.request(
            "PUT", "/v1/me/consents/product_updates", json_body={"granted": False}
        ).status_code
        == 200
    )

    first, reached = post(local_runtime, "product_update")
    assert received(local_runtime, consenting["email"], first)
    assert not received(local_runtime, other["email"], first, wait=3)

    assert (
        consenting_session.request(
            "PUT", "/v1/me/consents/product_updates", json_body={"granted": False}
        ).status_code
        == 200
    )
    second, reached_after = post(local_runtime, "product_update")
    assert reached_after == reached - 1  # recipients counts only those with the consent
    assert not received(local_runtime, consenting["email"], second, wait=5)

    change, everyone = post(local_runtime, "service_change")
    assert everyone >= reached + 1  # the customer who never consented is reached too
    assert received(local_runtime, consenting["email"], change)
    assert received(local_runtime, other["email"], change)
