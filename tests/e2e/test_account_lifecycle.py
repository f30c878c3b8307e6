"""API.md, Account lifecycle, through the local runtime: sign-out everywhere, recovery of the
password and the authenticator app (TOTP, then SMS MFA), closure, reactivation by Support, legal
holds; Cognito as on AWS (local/cognito_rules.py)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore import UNSIGNED
from botocore.config import Config

from local.client import LocalClient, SignedSession
from local.cognito import UserPoolClient, totp_code
from tests.support.runtime import at_once, overlap, paused, serving
from tests.support.signed import arrived, latest_code, register, sign_in, staff

NEW_PASSWORD = "another-Horse-battery-7"


def _auth(pool: UserPoolClient, flow: str, **parameters: str) -> Any:
    idp: Any = pool.idp
    return idp.initiate_auth(ClientId=pool.client_id, AuthFlow=flow, AuthParameters=parameters)


def _answer(pool: UserPoolClient, started: dict[str, Any], email: str, **answer: str) -> Any:
    challenge = next(iter(answer)).removesuffix("_CODE")
    idp: Any = pool.idp
    return idp.respond_to_auth_challenge(
        ClientId=pool.client_id,
        ChallengeName=challenge,
        Session=started["Session"],
        ChallengeResponses={"USERNAME": email, **answer},
    )


def _refused_credentials(local_runtime: LocalClient, id_token: str) -> bool:
    answer = requests.post(
        f"{local_runtime.api_url}/_local/credentials", json={"id_token": id_token}, timeout=30
    )
    return answer.status_code >= 400


@pytest.fixture
def signed_in(local_runtime: LocalClient, guest: SignedSession) -> dict[str, Any]:
    """A new customer, signed in with TOTP."""
    details = register(local_runtime, guest)
    return {**details, **sign_in(local_runtime, details["email"], details["password"])}


@pytest.mark.clause("P1.2", "P2.3")
def test_cognitos_forgot_password_cannot_reset_a_password_around_the_recovery(
    local_runtime: LocalClient, signed_in: dict[str, Any]
) -> None:
    """Through the user pool endpoint browsers use, as anyone may call it (no credentials)."""
    idp = boto3.client(
        "cognito-idp",
        region_name=local_runtime.config["region"],
        endpoint_url=f"{local_runtime.api_url}/_local/aws/cognito-idp",
        config=Config(signature_version=UNSIGNED),
    )
    client_id, email = local_runtime.config["user_pool_client_id"], signed_in["email"]
    with pytest.raises(idp.exceptions.NotAuthorizedException):
        idp.forgot_password(ClientId=client_id, Username=email)
    with pytest.raises(idp.exceptions.CodeMismatchException):
        idp.confirm_forgot_password(
            ClientId=client_id, Username=email, ConfirmationCode="123456", Password="Taken-0ver!pw"
        )
    pool = UserPoolClient(local_runtime.config)
    started = _auth(pool, "USER_PASSWORD_AUTH", USERNAME=email, PASSWORD=signed_in["password"])
    assert started["ChallengeName"] == "SOFTWARE_TOKEN_MFA"  # the old password still signs in


@pytest.mark.clause("P1.2", "P2.2", "P2.3")
def test_sign_out_revokes_the_refresh_token_and_the_id_token_for_new_credentials(
    local_runtime: LocalClient, signed_in: dict[str, Any]
) -> None:
    tokens, pool = signed_in["tokens"], UserPoolClient(local_runtime.config)
    me = local_runtime.session(id_token=tokens["IdToken"])
    assert _auth(pool, "REFRESH_TOKEN_AUTH", REFRESH_TOKEN=tokens["RefreshToken"])
    assert me.request("POST", "/v1/me/sign-out").status_code == 204
    with pytest.raises(Exception, match="NotAuthorized"):
        _auth(pool, "REFRESH_TOKEN_AUTH", REFRESH_TOKEN=tokens["RefreshToken"])
    assert _refused_credentials(local_runtime, tokens["IdToken"])
    # Credentials already issued stay valid until they expire (an hour), as on AWS.
    assert me.request("GET", "/v1/me").status_code == 200


@pytest.mark.clause("P1.2", "P2.2", "P2.3")
def test_recovery_resets_the_password_and_the_app_and_sign_in_completes_by_sms(
    local_runtime: LocalClient, guest: SignedSession, signed_in: dict[str, Any]
) -> None:
    email, phone = signed_in["email"], signed_in["e164"]
    before = {a: len(local_runtime.outbox(a)) for a in (email, phone)}
    started = guest.request("POST", "/v1/recoveries", json_body={"email": email, "phone": phone})
    assert started.status_code == 202
    arrived(local_runtime, email, before[email] + 1)
    arrived(local_runtime, phone, before[phone] + 1)
    verified = guest.request(
        "POST",
        f"/v1/recoveries/{started.json()['recovery_id']}/verification",
        json_body={
            "email_code": latest_code(local_runtime, email),
            "phone_code": latest_code(local_runtime, phone),
            "new_password": NEW_PASSWORD,
            "reset_mfa": True,
        },
    )
    assert (verified.status_code, verified.json()) == (200, {"status": "RECOVERED"})
    # Both told, through the outbox (after the answer): before the sign-in's SMS codes arrive.
    assert len(arrived(local_runtime, phone, before[phone] + 2)) == before[phone] + 2
    pool = UserPoolClient(local_runtime.config)
    with pytest.raises(Exception, match="NotAuthorized"):  # the old password
        _auth(pool, "USER_PASSWORD_AUTH", USERNAME=email, PASSWORD=signed_in["password"])
    challenge = _auth(pool, "USER_PASSWORD_AUTH", USERNAME=email, PASSWORD=NEW_PASSWORD)
    assert challenge["ChallengeName"] == "SMS_MFA"
    old_app = totp_code(signed_in["secret"])
    with pytest.raises(Exception, match="NotAuthorized"):  # the old authenticator's code
        _answer(pool, challenge, email, SOFTWARE_TOKEN_MFA_CODE=old_app)
    challenge = _auth(pool, "USER_PASSWORD_AUTH", USERNAME=email, PASSWORD=NEW_PASSWORD)
    with pytest.raises(Exception, match="CodeMismatch"):
        _answer(pool, challenge, email, SMS_MFA_CODE=old_app)
    challenge = _auth(pool, "USER_PASSWORD_AUTH", USERNAME=email, PASSWORD=NEW_PASSWORD)
    sms_code = latest_code(local_runtime, phone)
    tokens = _answer(pool, challenge, email, SMS_MFA_CODE=sms_code)["AuthenticationResult"]
    me = local_runtime.session(id_token=tokens["IdToken"]).request("GET", "/v1/me")
    assert me.json()["customer_id"] == signed_in["customer_id"]
    told = local_runtime.outbox(email)[-1]
    assert "khôi phục" in told["subject"]


@pytest.mark.clause("P1.2", "P2.2", "P2.3")
def test_recovery_for_addresses_of_no_account_answers_alike_and_sends_nothing(
    local_runtime: LocalClient, guest: SignedSession, customer_tokens: dict[str, Any]
) -> None:
    stranger = f"nobody.{uuid.uuid4().hex[:8]}@example.com"
    pairs = [(stranger, "+84967000222"), (customer_tokens["email"], "+84967000222")]
    for email, phone in pairs:
        before = {a: len(local_runtime.outbox(a)) for a in (email, phone)}
        started = guest.request(
            "POST", "/v1/recoveries", json_body={"email": email, "phone": phone}
        )
        assert started.status_code == 202
        assert set(started.json()) == {"recovery_id", "expires_at"}
        time.sleep(1.0)  # the worker's time to send, were there anything to send
        assert {a: len(local_runtime.outbox(a)) for a in before} == before


@pytest.mark.clause("P1.2", "P2.2", "P2.3")
def test_closure_refuses_sign_in_until_support_reactivates(
    local_runtime: LocalClient, signed_in: dict[str, Any]
) -> None:
    email, password = signed_in["email"], signed_in["password"]
    me = local_runtime.session(id_token=signed_in["tokens"]["IdToken"])
    closed = me.request("POST", "/v1/me/closure", json_body={"reason": "Tạm nghỉ"})
    assert closed.status_code == 202
    assert closed.json()["status"] == "CLOSING"
    pool = UserPoolClient(local_runtime.config)
    with pytest.raises(Exception, match="NotAuthorized"):
        pool.sign_in_with_app(email, password, signed_in["secret"])
    assert me.request("POST", "/v1/me/closure", json_body={}).json() == closed.json()
    path = f"/v1/staff/accounts/{signed_in['customer_id']}/reactivation"
    body = {"purpose": "customer_support", "note": "Khách đổi ý"}
    assert staff(local_runtime, "compliance").request("POST", path, json_body=body).status_code == (
        403
    )
    reopened = staff(local_runtime, "support").request("POST", path, json_body=body)
    assert (reopened.status_code, reopened.json()) == (200, {"status": "ACTIVE"})
    assert "IdToken" in pool.sign_in_with_app(email, password, signed_in["secret"])


@pytest.mark.clause("P1.2", "P2.2", "P2.3")
def test_legal_holds_are_placed_listed_and_released_by_compliance(
    local_runtime: LocalClient, customer_tokens: dict[str, Any]
) -> None:
    compliance = staff(local_runtime, "compliance")
    customer_id = customer_tokens["customer_id"]
    placed = compliance.request(
        "POST",
        "/v1/staff/legal-holds",
        json_body={"customer_id": customer_id, "authority_reference": "TA-7", "reason": "Vụ án"},
    )
    assert placed.status_code == 201
    hold_id = placed.json()["hold_id"]
    released = compliance.request(
        "POST", f"/v1/staff/legal-holds/{hold_id}/release", json_body={"note": "Xong"}
    )
    assert released.status_code == 200
    listed = compliance.request("GET", f"/v1/staff/legal-holds?customer_id={customer_id}")
    assert [h["status"] for h in listed.json()["holds"] if h["hold_id"] == hold_id] == ["RELEASED"]


@pytest.mark.clause("P1.2", "P2.2", "P2.3")
def test_parallel_closures_close_once_and_a_late_repeat_never_undoes_a_reactivation(
    local_runtime: LocalClient, signed_in: dict[str, Any], assembly_dir: Path
) -> None:
    """Eight closures at once: one decision, one entry, one notice per address. Then a repeated
    closure paused at its sign-in change while Support reactivates: sign-in follows the status
    recorded last (ACTIVE), not the late call."""
    customer_id = signed_in["customer_id"]
    me = local_runtime.session(id_token=signed_in["tokens"]["IdToken"])

    def closure() -> requests.Response:
        return me.request("POST", "/v1/me/closure", json_body={})

    with overlap(local_runtime) as peak:
        answers = at_once([closure] * 8)
    assert peak[serving(assembly_dir, "POST", "/v1/me/closure")] > 1
    assert {answer.status_code for answer in answers} == {202}
    assert len({answer.json()["erase_after"] for answer in answers}) == 1
    for address, text in ((signed_in["email"], "mở lại"), (signed_in["e164"], "mo lai")):
        assert [text in m["body"] for m in local_runtime.outbox(address)].count(True) == 1

    path = f"/v1/staff/accounts/{customer_id}/reactivation"
    body = {"purpose": "customer_support", "note": "Khách đổi ý"}
    with paused(local_runtime, "AdminDisableUser", customer_id, closure) as again:
        reopened = staff(local_runtime, "support").request("POST", path, json_body=body)
    assert (reopened.status_code, again.answer.result().status_code) == (200, 202)
    pool = UserPoolClient(local_runtime.config)
    tokens = pool.sign_in_with_app(signed_in["email"], signed_in["password"], signed_in["secret"])
    again_signed_in = local_runtime.session(id_token=tokens["IdToken"])
    assert again_signed_in.request("GET", "/v1/me").json()["status"] == "ACTIVE"
    trail = staff(local_runtime, "compliance").request(
        "GET", f"/v1/staff/audit?customer_id={customer_id}"
    )
    assert [e["action"] for e in trail.json()["entries"]].count("account.close") == 1
