"""P6.1 through the local runtime: a customer changes their email; Support approves; the new
email signs in with TOTP and the old one no longer does; both addresses were told; all audited."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from local.client import LocalClient, SignedSession
from local.cognito import UserPoolClient
from tests.support.pages import every_page, signed
from tests.support.runtime import at_once, aws_client, overlap, paused, serving, warmed
from tests.support.signed import email_change, register, sign_in, staff


def _requesting(local_runtime: LocalClient, guest: SignedSession, email: str) -> dict[str, Any]:
    """A new customer whose verified request to take ``email`` awaits review."""
    details = register(local_runtime, guest)
    signed_in = sign_in(local_runtime, details["email"], details["password"])
    session = local_runtime.session(id_token=signed_in["tokens"]["IdToken"])
    edit_id = email_change(local_runtime, session, email)
    return {**details, **signed_in, "session": session, "edit_id": edit_id}


@pytest.mark.clause("P6.1", "P2.3")
def test_an_email_change_from_request_to_sign_in(
    local_runtime: LocalClient, guest: SignedSession
) -> None:
    new_email = f"an.moi.{uuid.uuid4().hex[:8]}@example.com"
    a = _requesting(local_runtime, guest, new_email)
    edit_id = a["edit_id"]

    b = register(local_runtime, guest)
    customer_b = local_runtime.session(
        id_token=sign_in(local_runtime, b["email"], b["password"])["tokens"]["IdToken"]
    )
    assert customer_b.request("GET", f"/v1/me/edit-requests/{edit_id}").status_code == 404

    support = staff(local_runtime, "support")
    queue = every_page(signed(support, "/v1/staff/edit-requests"), "edit_requests")
    entry = next(e for e in queue if e["edit_request_id"] == edit_id)
    assert new_email not in str(entry)  # masked
    decided = support.request(
        "POST",
        f"/v1/staff/edit-requests/{edit_id}/decision",
        json_body={"decision": "approve", "note": "ok"},
    )
    assert decided.json()["status"] == "APPLIED"

    pool = UserPoolClient(local_runtime.config)
    tokens = pool.sign_in_with_app(new_email, a["password"], a["secret"])
    me = local_runtime.session(id_token=tokens["IdToken"]).request("GET", "/v1/me").json()
    assert me["email"] == new_email
    with pytest.raises(Exception, match=r"NotAuthorized|UserNotFound"):
        pool.sign_in_with_app(a["email"], a["password"], a["secret"])
    for address in (a["email"], new_email):
        assert any("đã được duyệt" in m["body"] for m in local_runtime.outbox(address))

    trail = (
        staff(local_runtime, "compliance")
        .request("GET", f"/v1/staff/audit?customer_id={a['customer_id']}")
        .json()
    )
    assert {"edit_request.view", "edit_request.approve"} <= {e["action"] for e in trail["entries"]}
    assert trail["verification"]["valid"] is True


@pytest.mark.clause("P6.1", "P2.3")
def test_twenty_concurrent_approvals_of_two_clashing_requests_leave_one_owner_everywhere(
    local_runtime: LocalClient, guest: SignedSession, assembly_dir: Path
) -> None:
    wanted = f"tranh.{uuid.uuid4().hex[:8]}@example.com"
    a, b = (_requesting(local_runtime, guest, wanted) for _ in range(2))
    support = staff(local_runtime, "support")
    start = threading.Barrier(20)

    def approve(customer: dict[str, Any]) -> requests.Response:
        start.wait()
        return support.request(
            "POST",
            f"/v1/staff/edit-requests/{customer['edit_id']}/decision",
            json_body={"decision": "approve", "note": "ok"},
        )

    with overlap(local_runtime) as peak, ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(approve, [a, b] * 10))
    decision = "/v1/staff/edit-requests/{edit_request_id}/decision"
    assert peak[serving(assembly_dir, "POST", decision)] > 1
    assert {answer.status_code for answer in answers} <= {200, 409}
    final = {
        c["customer_id"]: c["session"].request("GET", f"/v1/me/edit-requests/{c['edit_id']}")
        for c in (a, b)
    }
    statuses = sorted(answer.json()["status"] for answer in final.values())
    assert statuses == ["APPLIED", "REJECTED"]
    owner, other = (a, b) if final[a["customer_id"]].json()["status"] == "APPLIED" else (b, a)
    assert owner["session"].request("GET", "/v1/me").json()["email"] == wanted
    assert other["session"].request("GET", "/v1/me").json()["email"] == other["email"]
    cognito = aws_client(local_runtime, "cognito-idp")
    pool_id = local_runtime.config["user_pool_id"]
    holders = cognito.list_users(UserPoolId=pool_id, Filter=f'email = "{wanted}"')["Users"]
    assert [_attributes(u)["sub"] for u in holders] == [owner["customer_id"]]
    (kept,) = cognito.list_users(UserPoolId=pool_id, Filter=f'sub = "{other["customer_id"]}"')[
        "Users"
    ]
    assert _attributes(kept)["email"] == other["email"]
    found = support.request(
        "POST",
        "/v1/staff/customers/search",
        json_body={"email": wanted, "purpose": "customer_support"},
    )
    assert found.json()["customer_id"] == owner["customer_id"]  # the uniqueness guard agrees


def _attributes(user: dict[str, Any]) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in user["Attributes"]}


@pytest.mark.clause("P2.2")
def test_a_decision_key_reused_for_another_request_decides_that_request(
    local_runtime: LocalClient, customer: SignedSession
) -> None:
    """The Idempotency-Key is scoped to the path's id as well as to the caller and the route: the
    same key and body for another edit request is that request's decision, not a replay."""
    ids = []
    for name in ("Nguyễn Văn Một", "Nguyễn Văn Hai"):
        body = {"changes": {"full_name": name}, "reason": "typo"}
        created = customer.request("POST", "/v1/me/edit-requests", json_body=body)
        assert created.json()["status"] == "PENDING_REVIEW"
        ids.append(created.json()["edit_request_id"])
    support = staff(local_runtime, "support")
    key = {"Idempotency-Key": uuid.uuid4().hex}
    decision = {"decision": "reject", "note": "not needed"}

    def decide(edit_id: str) -> tuple[int, dict[str, str]]:
        path = f"/v1/staff/edit-requests/{edit_id}/decision"
        answer = support.request("POST", path, json_body=decision, headers=key)
        return answer.status_code, answer.json()

    first, second = ids
    assert decide(first) == (200, {"edit_request_id": first, "status": "REJECTED"})
    assert decide(second) == (200, {"edit_request_id": second, "status": "REJECTED"})
    assert customer.request("GET", f"/v1/me/edit-requests/{second}").json()["status"] == "REJECTED"
    assert decide(first) == (200, {"edit_request_id": first, "status": "REJECTED"})  # a replay


@pytest.mark.clause("P6.1", "P2.3")
def test_an_approval_paused_before_its_write_loses_and_the_sign_in_follows_the_winner(
    local_runtime: LocalClient, guest: SignedSession, assembly_dir: Path
) -> None:
    """One approval paused between its read and its write while eight others race: one decides,
    the rest (the paused one too) get 409, and Cognito's addresses are the profile's."""
    wanted = f"doi.{uuid.uuid4().hex[:8]}@example.com"
    a = _requesting(local_runtime, guest, wanted)
    support = staff(local_runtime, "support")

    decision, approval = (
        f"/v1/staff/edit-requests/{a['edit_id']}",
        {"decision": "approve", "note": "ok"},
    )

    def approve() -> requests.Response:
        return support.request("POST", f"{decision}/decision", json_body=approval)

    warmed(lambda: support.request("POST", f"{decision}-x/decision", json_body=approval))  # 404
    with (
        paused(local_runtime, "TransactWriteItems", a["edit_id"], approve) as first,
        overlap(local_runtime) as peak,
    ):
        answers = at_once([approve] * 8, first.go_on)
    assert first.answer.result().status_code == 409
    assert sorted(answer.status_code for answer in answers) == [200] + [409] * 7
    route = "/v1/staff/edit-requests/{edit_request_id}/decision"
    assert peak[serving(assembly_dir, "POST", route)] > 1

    pool = UserPoolClient(local_runtime.config)
    tokens = pool.sign_in_with_app(wanted, a["password"], a["secret"])
    me = local_runtime.session(id_token=tokens["IdToken"]).request("GET", "/v1/me").json()
    assert (me["customer_id"], me["email"]) == (a["customer_id"], wanted)
    with pytest.raises(Exception, match=r"NotAuthorized|UserNotFound"):
        pool.sign_in_with_app(a["email"], a["password"], a["secret"])
    trail = (
        staff(local_runtime, "compliance")
        .request("GET", f"/v1/staff/audit?customer_id={a['customer_id']}")
        .json()
    )
    assert [e["action"] for e in trail["entries"]].count("edit_request.approve") == 1
