"""P5: staff reads through the local runtime, purpose-bound, masked, audited; guests kept out."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from local.client import LocalClient, SignedSession
from tests.support.api_md import API_MD_ROUTES, concrete
from tests.support.pages import every_page, signed
from tests.support.runtime import overlap, serving
from tests.support.signed import register, staff


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
    trail = signed(compliance, "/v1/staff/audit", customer_id=customer_tokens["customer_id"])
    assert trail({})[1]["verification"]["valid"] is True
    assert {
        ("customer.search", "support", "customer_support", "support-tester"),
        ("customer.read", "support", "customer_support", "support-tester"),
        ("audit.read", "compliance", None, "compliance-tester"),
    } <= {(e["action"], e["role"], e["purpose"], e["actor"]) for e in every_page(trail, "entries")}


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


@pytest.mark.clause("P2.5", "P5")
def test_twenty_concurrent_reads_append_to_one_valid_chain_and_really_overlap(
    local_runtime: LocalClient, guest: SignedSession, assembly_dir: Path
) -> None:
    customer_id = register(local_runtime, guest)["customer_id"]
    support = staff(local_runtime, "support")
    path = f"/v1/staff/customers/{customer_id}?purpose=customer_support"
    start = threading.Barrier(20)

    def read(_: int) -> int:
        start.wait()
        return support.request("GET", path).status_code

    with overlap(local_runtime) as peak, ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(read, range(20)))
    assert statuses == [200] * 20
    assert peak[serving(assembly_dir, "GET", "/v1/staff/customers/{customer_id}")] > 1
    trail = (
        staff(local_runtime, "compliance")
        .request("GET", f"/v1/staff/audit?customer_id={customer_id}")
        .json()
    )
    reads = [e for e in trail["entries"] if e["action"] == "customer.read"]
    assert len(reads) == 20
    assert trail["verification"]["valid"] is True
    assert trail["verification"]["checked"] == len(trail["entries"])
