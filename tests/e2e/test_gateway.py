"""P2.2, P2.6: the local gateway refuses what API Gateway refuses, before any handler runs, and
lets each principal reach exactly its routes of API.md (read from the synthesized policies)."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from local.client import LocalClient, SignedSession
from tests.support.api_md import API_MD_ROUTES
from tests.support.signed import register, unsigned

SMITHY_SIGNER = Path(__file__).with_name("sign_with_smithy.mjs")
QUERY = {"customer_id": "Nguyễn", "email": "an@example.com b"}  # "@", a space, Vietnamese


@pytest.mark.clause("P2.6")
def test_unsigned_requests_are_refused(local_runtime: LocalClient) -> None:
    response = unsigned(local_runtime, "GET", "/v1/policy")
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}


@pytest.mark.clause("P2.2")
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


@pytest.mark.clause("P2.6")
def test_a_wrong_secret_is_refused(guest: SignedSession) -> None:
    request = _signed(guest, "GET", "/v1/policy", b"", "not-the-secret")
    response = _send(request, b"")
    assert response.status_code == 403
    assert "signature we calculated does not match" in response.json()["message"]


@pytest.mark.clause("P2.6")
def test_a_body_changed_after_signing_is_refused(guest: SignedSession) -> None:
    body = b'{"category": "other"}'
    request = _signed(guest, "POST", "/v1/complaints", body, guest.credentials.secret_key)
    assert _send(request, body).status_code != 403  # the untouched request passes the gateway
    response = _send(request, b'{"category": "privacy"}')
    assert response.status_code == 403
    assert "signature we calculated does not match" in response.json()["message"]


@pytest.mark.clause("P2.6")
def test_an_expired_signature_is_refused(
    guest: SignedSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    ten_minutes_ago = datetime.now(UTC) - timedelta(minutes=10)
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda: ten_minutes_ago)
    response = guest.request("GET", "/v1/policy")
    assert response.status_code == 403
    assert response.json()["message"].startswith("Signature expired")


@pytest.mark.clause("P2.6")
def test_unknown_credentials_are_refused(local_runtime: LocalClient) -> None:
    stranger = SignedSession(
        local_runtime.api_url, local_runtime.config["region"], Credentials("ASIAUNKNOWN", "x", "y")
    )
    response = stranger.request("GET", "/v1/policy")
    assert response.status_code == 403
    assert response.json()["message"] == "The security token included in the request is invalid."


@pytest.mark.clause("P2.2")
def test_a_guest_reads_the_policy_but_not_a_customer_profile(guest: SignedSession) -> None:
    assert guest.request("GET", "/v1/policy").json()["privacy_policy"] == "2024-10"
    response = guest.request("GET", "/v1/me")
    assert response.status_code == 403
    assert "is not authorized to perform: execute-api:Invoke" in response.json()["Message"]


@pytest.mark.clause("P2.3", "P2.6")
def test_a_customer_signed_in_with_totp_reaches_their_routes(customer: SignedSession) -> None:
    assert customer.request("GET", "/v1/me").status_code != 403
    assert customer.request("GET", "/v1/policy").status_code == 200
    assert customer.request("POST", "/v1/staff/customers/search", json_body={}).status_code == 403


@pytest.mark.clause("P2.2")
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


@pytest.mark.clause("P2.2")
def test_a_guest_gets_basic_flow_credentials_and_registers(local_runtime: LocalClient) -> None:
    """The default guest credentials are the basic flow's, which the guest role's trust policy
    and the identity pool (AllowClassicFlow) must both allow; with them a guest registers."""
    guest = local_runtime.session(principal="guest")
    details = register(local_runtime, guest)
    assert details["customer_id"]


@pytest.mark.clause("P2.2")
def test_an_enhanced_flow_guest_credential_is_refused_by_its_session_policy(
    local_runtime: LocalClient,
) -> None:
    """On AWS, Cognito scopes enhanced-flow guests down to a session policy without
    execute-api:Invoke: the role would allow the call, the session policy does not."""
    enhanced = local_runtime.session(principal="guest", flow="enhanced")
    response = enhanced.request("POST", "/v1/complaints", json_body={})
    assert response.status_code == 403
    message = response.json()["Message"]
    assert re.fullmatch(
        r"User: arn:aws:sts::\d{12}:assumed-role/[^/]+/CognitoIdentityCredentials is not "
        r"authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:\S+"
        r"/POST/v1/complaints because no session policy allows the execute-api:Invoke action",
        message,
    )


@pytest.mark.clause("P2.2", "P5")
def test_staff_may_assume_a_role_only_under_their_own_user_name(
    local_runtime: LocalClient,
) -> None:
    url = f"{local_runtime.api_url}/_local/credentials"
    own = {"staff_role": "support", "staff_id": "alice", "session_name": "alice"}
    assert requests.post(url, json=own, timeout=30).status_code == 200
    response = requests.post(url, json={**own, "session_name": "bob"}, timeout=30)
    assert response.status_code == 403
    assert response.json()["message"] == (
        "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: "
        "sts:AssumeRole on resource: arn:aws:iam::123456789012:role/Support"
    )


@pytest.mark.clause("P2.6")
def test_a_query_signed_by_botocore_with_at_space_and_vietnamese_passes(
    guest: SignedSession,
) -> None:
    """As botocore's clients sign: the query passed as params, encoded per SigV4."""
    request = AWSRequest(method="GET", url=guest.api_url + "/v1/policy", params=QUERY)
    SigV4Auth(guest.credentials, "execute-api", guest.region).add_auth(request)
    prepared = request.prepare()
    response = requests.get(str(prepared.url), headers=dict(prepared.headers), timeout=30)
    assert response.status_code == 200, response.text


@pytest.mark.clause("P2.6")
def test_a_query_signed_by_the_javascript_sdk_signer_passes(guest: SignedSession) -> None:
    """@smithy/signature-v4, as a web page signs: the browser sends "@" as is and the space
    as %20; the signature covers the decoded values encoded per the specification."""
    url = guest.api_url + "/v1/policy?customer_id=Nguyễn&email=an@example.com b"
    creds = guest.credentials
    signed = json.loads(
        subprocess.run(
            ["node", str(SMITHY_SIGNER)],
            input=json.dumps(
                {
                    "method": "GET",
                    "url": url,
                    "region": guest.region,
                    "credentials": {
                        "accessKeyId": creds.access_key,
                        "secretAccessKey": creds.secret_key,
                        "sessionToken": creds.token,
                    },
                }
            ),
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
    )
    assert "@" in signed["url"]
    response = requests.get(signed["url"], headers=signed["headers"], timeout=30)
    assert response.status_code == 200, response.text
    tampered = signed["url"].replace("Nguy", "Ngu")
    assert requests.get(tampered, headers=signed["headers"], timeout=30).status_code == 403
