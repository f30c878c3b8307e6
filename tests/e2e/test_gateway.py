"""P2.2, P2.6: the local gateway refuses what API Gateway refuses, before any handler runs, and
lets each principal reach exactly its routes of API.md (read from the synthesized policies)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from local.client import LocalClient, SignedSession
from tests.e2e.conftest import unsigned
from tests.infra.test_api import API_MD_ROUTES

pytestmark = pytest.mark.clause("P2.6")


def concrete(path: str) -> str:
    return re.sub(r"\{\w+\}", "id-1", path)


def test_unsigned_requests_are_refused(local_runtime: LocalClient) -> None:
    response = unsigned(local_runtime, "GET", "/v1/policy")
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}


def test_unknown_routes_are_refused_like_api_gateway(guest: SignedSession) -> None:
    response = guest.request("GET", "/v1/nothing-here")
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}


def _signed(session: SignedSession, method: str, path: str, body: bytes, secret: str) -> AWSRequest:
    creds = Credentials(session.credentials.access_key, secret, session.credentials.token)
    request = AWSRequest(
        method=method,
        url=session.api_url + path,
        data=body,
        headers={"Content-Type": "application/json"},
    )
    SigV4Auth(creds, "execute-api", session.region).add_auth(request)
    return request


def _send(request: AWSRequest, body: bytes) -> requests.Response:
    return requests.request(
        str(request.method), str(request.url), data=body, headers=dict(request.headers), timeout=30
    )


def test_a_wrong_secret_is_refused(guest: SignedSession) -> None:
    request = _signed(guest, "GET", "/v1/policy", b"", "not-the-secret")
    response = _send(request, b"")
    assert response.status_code == 403
    assert "signature we calculated does not match" in response.json()["message"]


def test_a_body_changed_after_signing_is_refused(guest: SignedSession) -> None:
    body = b'{"category": "other"}'
    request = _signed(guest, "POST", "/v1/complaints", body, guest.credentials.secret_key)
    assert _send(request, body).status_code != 403  # the untouched request passes the gateway
    response = _send(request, b'{"category": "privacy"}')
    assert response.status_code == 403
    assert "signature we calculated does not match" in response.json()["message"]


def test_an_expired_signature_is_refused(
    guest: SignedSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    ten_minutes_ago = datetime.now(UTC) - timedelta(minutes=10)
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda: ten_minutes_ago)
    response = guest.request("GET", "/v1/policy")
    assert response.status_code == 403
    assert response.json()["message"].startswith("Signature expired")


def test_unknown_credentials_are_refused(local_runtime: LocalClient) -> None:
    stranger = SignedSession(
        local_runtime.api_url, local_runtime.config["region"], Credentials("ASIAUNKNOWN", "x", "y")
    )
    response = stranger.request("GET", "/v1/policy")
    assert response.status_code == 403
    assert response.json()["message"] == "The security token included in the request is invalid."


def test_a_guest_reads_the_policy_but_not_a_customer_profile(guest: SignedSession) -> None:
    assert guest.request("GET", "/v1/policy").json()["privacy_policy"] == "2024-10"
    response = guest.request("GET", "/v1/me")
    assert response.status_code == 403
    assert "is not authorized to perform: execute-api:Invoke" in response.json()["Message"]


def test_a_customer_signed_in_with_totp_reaches_their_routes(customer: SignedSession) -> None:
    assert customer.request("GET", "/v1/me").status_code != 403
    assert customer.request("GET", "/v1/policy").status_code == 200
    assert customer.request("POST", "/v1/staff/customers/search", json_body={}).status_code == 403


def test_a_forged_id_token_gets_no_credentials(
    local_runtime: LocalClient, customer_tokens: dict[str, object]
) -> None:
    tokens = customer_tokens["tokens"]
    assert isinstance(tokens, dict)
    forged = tokens["IdToken"][:-6] + "AAAAAA"
    response = requests.post(
        f"{local_runtime.api_url}/_local/credentials", json={"id_token": forged}, timeout=30
    )
    assert response.status_code == 400


def test_the_openapi_document_describes_every_route(local_runtime: LocalClient) -> None:
    document = requests.get(f"{local_runtime.api_url}/_local/openapi.json", timeout=30).json()
    documented = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    assert documented == API_MD_ROUTES
    assert "sigv4" in document["components"]["securitySchemes"]


def test_swagger_ui_is_served_without_a_cdn(local_runtime: LocalClient) -> None:
    page = requests.get(f"{local_runtime.api_url}/_local/docs", timeout=30)
    assert page.status_code == 200
    assert "SwaggerUIBundle" in page.text
    assert "cdn." not in page.text
