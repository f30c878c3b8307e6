"""P3.2, P3.4 through the local runtime: a contract, then the scheduled job run at a chosen time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from local.client import LocalClient, SignedSession
from ongpt.platform.clock import timestamp
from tests.support.pages import every_page, signed
from tests.support.runtime import at_once, overlap, paused, run_job, serving, warmed
from tests.support.signed import contract_for, register, staff

NOW = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)
REMINDERS = "expiry-reminders"  # the scheduled job's name


def invitations(local_runtime: LocalClient, address: str) -> int:
    return sum(
        "7" in m["body"] and ("het han" in m["body"] or "hết hạn" in m["body"])
        for m in local_runtime.outbox(address)
    )


@pytest.mark.clause("P3.4")
def test_a_contract_expiring_in_7_days_gets_one_invitation_per_channel(
    local_runtime: LocalClient, guest: SignedSession
) -> None:
    customer = register(local_runtime, guest)
    contract_for(staff(local_runtime, "support"), customer["customer_id"], NOW + timedelta(days=7))
    now = timestamp(NOW)
    assert run_job(local_runtime, REMINDERS, now)["sent"] == 2
    assert run_job(local_runtime, REMINDERS, now)["sent"] == 0  # the same day again: nothing twice
    assert invitations(local_runtime, customer["email"]) == 1
    assert invitations(local_runtime, customer["e164"]) == 1


def test_an_unknown_job_is_404(local_runtime: LocalClient) -> None:
    response = requests.post(f"{local_runtime.api_url}/_local/jobs/nope", json={}, timeout=30)
    assert response.status_code == 404


def renewal_invitations(local_runtime: LocalClient, address: str, days: int) -> int:
    return sum(f"({days} " in m["body"] for m in local_runtime.outbox(address))


@pytest.mark.clause("P3.4")
def test_20_days_out_waits_13_days_and_30_days_out_is_invited_at_once(
    local_runtime: LocalClient, guest: SignedSession
) -> None:
    start = datetime(2027, 6, 1, 2, 0, tzinfo=UTC)
    later, soon = register(local_runtime, guest), register(local_runtime, guest)
    support = staff(local_runtime, "support")
    contract_for(support, later["customer_id"], start + timedelta(days=20))
    contract_for(support, soon["customer_id"], start + timedelta(days=30))
    run_job(local_runtime, REMINDERS, timestamp(start))
    assert renewal_invitations(local_runtime, later["email"], 7) == 0
    assert renewal_invitations(local_runtime, soon["email"], 30) == 1
    run_job(local_runtime, REMINDERS, timestamp(start + timedelta(days=13)))
    assert renewal_invitations(local_runtime, later["email"], 7) == 1


@pytest.mark.clause("P3.2")
def test_a_renewal_paused_before_its_write_never_moves_the_expiry_back(
    local_runtime: LocalClient,
    customer: SignedSession,
    customer_tokens: dict[str, Any],
    assembly_dir: Path,
) -> None:
    """A renewal to 2031 paused between its read and its write while eight renewals to 2032
    race: whatever order they commit in, the expiry ends at the latest, and the paused one,
    no longer later, is refused."""
    support = staff(local_runtime, "support")
    created = support.request(
        "POST",
        "/v1/staff/contracts",
        json_body={
            "customer_id": customer_tokens["customer_id"],
            "plan": "Pro",
            "starts_at": "2029-01-01T00:00:00Z",
            "expires_at": "2030-01-01T00:00:00Z",
        },
    )
    contract_id = created.json()["contract_id"]
    path = f"/v1/staff/contracts/{contract_id}/renewal"

    def renewal(expires_at: str) -> Callable[[], requests.Response]:
        return lambda: support.request("POST", path, json_body={"expires_at": expires_at})

    warmed(renewal("2029-06-01T00:00:00Z"))  # 400: not later
    to_2031 = renewal("2031-01-01T00:00:00Z")
    later = [renewal(f"2032-01-0{day}T00:00:00Z") for day in range(1, 9)]
    with (
        paused(local_runtime, "TransactWriteItems", "2031-01-01", to_2031) as first,
        overlap(local_runtime) as peak,
    ):
        answers = at_once(later, first.go_on)
    assert first.answer.result().status_code == 409
    # 200 each time the expiry moved later; 409 (lost the race) or 400 (read a later one) else
    assert 200 in {answer.status_code for answer in answers} <= {200, 400, 409}
    assert peak[serving(assembly_dir, "POST", "/v1/staff/contracts/{contract_id}/renewal")] > 1
    contracts = every_page(signed(customer, "/v1/me/contracts"), "contracts")
    (renewed,) = [c for c in contracts if c["contract_id"] == contract_id]
    assert renewed["expires_at"].startswith("2032-01-08")
