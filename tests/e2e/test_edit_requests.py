"""P6.1 through the local runtime: a customer changes their email; Support approves; the new
email signs in with TOTP and the old one no longer does; both addresses were told; all audited."""

from __future__ import annotations

import uuid

import pytest

from local.client import LocalClient, SignedSession
from local.cognito import UserPoolClient, totp_code
from tests.e2e.conftest import latest_code, register, sign_in, staff

pytestmark = pytest.mark.clause("P6.1", "P2.3")


def test_an_email_change_from_request_to_sign_in(
    local_runtime: LocalClient, guest: SignedSession
) -> None:
    a = register(local_runtime, guest)
    signed_in = sign_in(local_runtime, a["email"], a["password"])
    customer_a = local_runtime.session(id_token=signed_in["tokens"]["IdToken"])
    new_email = f"an.moi.{uuid.uuid4().hex[:8]}@example.com"

    created = customer_a.request(
        "POST",
        "/v1/me/edit-requests",
        json_body={"changes": {"email": new_email}, "reason": "Địa chỉ mới"},
    )
    assert created.status_code == 202
    edit_id = created.json()["edit_request_id"]
    verified = customer_a.request(
        "POST",
        f"/v1/me/edit-requests/{edit_id}/verification",
        json_body={"email_code": latest_code(local_runtime, new_email)},
    )
    assert verified.json()["status"] == "PENDING_REVIEW"

    b = register(local_runtime, guest)
    customer_b = local_runtime.session(
        id_token=sign_in(local_runtime, b["email"], b["password"])["tokens"]["IdToken"]
    )
    assert customer_b.request("GET", f"/v1/me/edit-requests/{edit_id}").status_code == 404

    support = staff(local_runtime, "support")
    queue = support.request("GET", "/v1/staff/edit-requests?status=PENDING_REVIEW").json()
    entry = next(e for e in queue["edit_requests"] if e["edit_request_id"] == edit_id)
    assert new_email not in str(entry)  # masked
    decided = support.request(
        "POST",
        f"/v1/staff/edit-requests/{edit_id}/decision",
        json_body={"decision": "approve", "note": "ok"},
    )
    assert decided.json()["status"] == "APPLIED"

    pool = UserPoolClient(local_runtime.config)
    tokens = pool.sign_in(new_email, a["password"], totp_code(signed_in["secret"]))
    me = local_runtime.session(id_token=tokens["IdToken"]).request("GET", "/v1/me").json()
    assert me["email"] == new_email
    with pytest.raises(Exception, match=r"NotAuthorized|UserNotFound"):
        pool.sign_in(a["email"], a["password"], totp_code(signed_in["secret"]))
    for address in (a["email"], new_email):
        assert any("đã được duyệt" in m["body"] for m in local_runtime.outbox(address))

    trail = (
        staff(local_runtime, "compliance")
        .request("GET", f"/v1/staff/audit?customer_id={a['customer_id']}")
        .json()
    )
    assert {"edit_request.view", "edit_request.approve"} <= {e["action"] for e in trail["entries"]}
    assert trail["verification"]["valid"] is True


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
