"""P5: staff reads through the local runtime, purpose-bound, masked, audited; guests kept out."""

from __future__ import annotations

from typing import Any

import pytest

from local.client import LocalClient, SignedSession
from tests.e2e.conftest import staff
from tests.e2e.test_gateway import concrete
from tests.infra.test_api import API_MD_ROUTES

pytestmark = pytest.mark.clause("P5", "P3.5")


def test_guests_are_refused_on_every_staff_route(guest: SignedSession) -> None:
    for method, path in API_MD_ROUTES:
        if path.startswith("/v1/staff"):
            assert guest.request(method, concrete(path), json_body={}).status_code == 403, path


def test_support_finds_reads_masked_and_the_read_is_audited(
    local_runtime: LocalClient, customer_tokens: dict[str, Any]
) -> None:
    support = staff(local_runtime, "support")
    found = support.request("GET", f"/v1/staff/customers?email={customer_tokens['email'].upper()}")
    assert found.json() == {"customer_id": customer_tokens["customer_id"]}
    path = f"/v1/staff/customers/{customer_tokens['customer_id']}"
    assert support.request("GET", path).status_code == 400  # no purpose
    masked = support.request("GET", f"{path}?purpose=customer_support").json()
    assert masked["full_name"] == "N*** V** A*"
    compliance = staff(local_runtime, "compliance")
    refused = compliance.request("GET", f"{path}?purpose=customer_support&reveal=true")
    assert refused.status_code == 403
    trail = compliance.request(
        "GET", f"/v1/staff/audit?customer_id={customer_tokens['customer_id']}"
    )
    body = trail.json()
    assert body["verification"]["valid"] is True
    assert ("customer.read", "support", "support-tester") in {
        (e["action"], e["role"], e["actor"]) for e in body["entries"]
    }
