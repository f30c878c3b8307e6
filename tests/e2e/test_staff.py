"""P5: staff reads through the local runtime, purpose-bound, masked, audited; guests kept out."""

from __future__ import annotations

from typing import Any

import pytest

from local.client import LocalClient, SignedSession
from tests.support.api_md import API_MD_ROUTES, concrete
from tests.support.signed import staff


@pytest.mark.clause("P5")
def test_guests_are_refused_on_every_staff_route(guest: SignedSession) -> None:
    for method, path in API_MD_ROUTES:
        if path.startswith("/v1/staff"):
            assert guest.request(method, concrete(path), json_body={}).status_code == 403, path


@pytest.mark.clause("P5", "P3.5")
def test_support_finds_reads_masked_and_the_read_is_audited(
    local_runtime: LocalClient, customer_tokens: dict[str, Any]
) -> None:
    support = staff(local_runtime, "support")
    found = support.request(
        "POST",
        "/v1/staff/customers/search",
        json_body={"email": customer_tokens["email"].upper(), "purpose": "customer_support"},
    )
    assert found.json() == {"customer_id": customer_tokens["customer_id"], "status": "ACTIVE"}
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
    assert {
        ("customer.search", "support", "customer_support", "support-tester"),
        ("customer.read", "support", "customer_support", "support-tester"),
        ("audit.read", "compliance", None, "compliance-tester"),
    } <= {(e["action"], e["role"], e["purpose"], e["actor"]) for e in body["entries"]}


@pytest.mark.clause("P5")
def test_no_address_travels_in_a_url_the_search_by_query_string_is_gone(
    local_runtime: LocalClient, customer_tokens: dict[str, Any]
) -> None:
    support = staff(local_runtime, "support")
    response = support.request("GET", f"/v1/staff/customers?email={customer_tokens['email']}")
    assert response.status_code == 403  # API Gateway's answer for a route it does not have
    for body in ({"purpose": "customer_support"}, {"email": customer_tokens["email"]}):
        refused = support.request("POST", "/v1/staff/customers/search", json_body=body)
        assert refused.status_code == 400
