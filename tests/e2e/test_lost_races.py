"""API.md v1.2, Lost races: with DynamoDB's transaction conflicts (``local/transactions.py``),
made frequent by the chaos mode's transaction latency, many requests at once on one customer
are each answered 2xx, or 409 ``CONFLICT`` when the service's own retries ran out: never a 5xx,
and nothing half-written (each answered change is recorded once in a valid chain, and a 409
recorded nothing)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import requests

from local.client import LocalClient, SignedSession
from tests.support.runtime import at_once, chaos_mode
from tests.support.signed import register, sign_in, staff

ROUNDS = 4


def _calls(me: SignedSession, support: SignedSession, customer_id: str) -> list[Callable[[], Any]]:
    """Changes of the customer's consents and Support's reads of the customer: each answered
    2xx appends one entry to the customer's chain, in the same transaction as its change."""
    read = f"/v1/staff/customers/{customer_id}?purpose=customer_support"

    def consent(purpose: str, granted: bool) -> Callable[[], requests.Response]:
        body = {"granted": granted}
        return lambda: me.request("PUT", f"/v1/me/consents/{purpose}", json_body=body)

    return [
        consent("marketing", True),
        consent("marketing", False),
        consent("product_updates", True),
        consent("product_updates", False),
        *[lambda: support.request("GET", read)] * 6,
    ]


@pytest.mark.clause("P2.5")
def test_requests_at_once_on_one_customer_are_answered_2xx_or_409_and_nothing_is_half_written(
    local_runtime: LocalClient, guest: SignedSession
) -> None:
    details = register(local_runtime, guest)
    tokens = sign_in(local_runtime, details["email"], details["password"])["tokens"]
    me = local_runtime.session(id_token=tokens["IdToken"])
    support, compliance = staff(local_runtime, "support"), staff(local_runtime, "compliance")
    trail_path = f"/v1/staff/audit?customer_id={details['customer_id']}"
    before = Counter(e["action"] for e in compliance.request("GET", trail_path).json()["entries"])
    answered: Counter[tuple[str, int]] = Counter()
    with chaos_mode(local_runtime, "tx_latency_ms=60,seed=26"):
        for _ in range(ROUNDS):
            for answer in at_once(_calls(me, support, details["customer_id"])):
                kind = "read" if answer.request.method == "GET" else "consent"
                answered[kind, answer.status_code] += 1
                if answer.status_code == 409:
                    assert answer.json()["error"]["code"] == "CONFLICT"
    assert {status for _, status in answered} <= {200, 409}, answered
    trail = compliance.request("GET", trail_path).json()
    after = Counter(e["action"] for e in trail["entries"])
    assert after["customer.read"] - before["customer.read"] == answered["read", 200]
    consent_entries = sum(n for action, n in (after - before).items() if "consent" in action)
    assert consent_entries == answered["consent", 200]
    assert trail["verification"]["valid"] is True
