"""SigV4 verification in the local gateway, against botocore's own signer and the SigV4
specification's canonical request."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from local.credentials import AccessDenied, CredentialStore, Issued, Principal, verify

REGION = "ap-southeast-1"
URL = "http://127.0.0.1:8080/v1/complaints?x=1"
PATH, QUERY = "/v1/complaints", "x=1"


def _issue(store: CredentialStore, now: datetime | None = None) -> Issued:
    return store.mint(Principal("GuestRole", "arn:aws:sts::1:assumed-role/g/s", {}), now=now)


def _signed(issued: Issued, body: bytes, service: str = "execute-api") -> dict[str, str]:
    request = AWSRequest(
        method="POST", url=URL, data=body, headers={"Content-Type": "application/json"}
    )
    creds = Credentials(issued.access_key_id, issued.secret_access_key, issued.session_token)
    SigV4Auth(creds, service, REGION).add_auth(request)
    return {**request.headers, "Host": "127.0.0.1:8080"}  # as it arrives over HTTP


def _verify(
    store: CredentialStore, headers: dict[str, str], body: bytes, now: datetime | None = None
) -> Issued:
    return verify(
        store,
        method="POST",
        raw_path=PATH,
        raw_query=QUERY,
        headers=headers,
        body=body,
        region=REGION,
        now=now,
    )


def test_a_correct_signature_names_the_caller() -> None:
    store = CredentialStore()
    issued = _issue(store)
    assert _verify(store, _signed(issued, b"{}"), b"{}") == issued


def test_expired_credentials_are_refused() -> None:
    store = CredentialStore()
    issued = _issue(store, now=datetime.now(UTC) - timedelta(hours=2))
    with pytest.raises(AccessDenied, match="expired"):
        _verify(store, _signed(issued, b"{}"), b"{}")


def test_a_signature_for_another_service_is_refused() -> None:
    store = CredentialStore()
    issued = _issue(store)
    with pytest.raises(AccessDenied, match="scoped"):
        _verify(store, _signed(issued, b"{}", service="s3"), b"{}")


def test_a_missing_session_token_is_refused() -> None:
    store = CredentialStore()
    issued = _issue(store)
    headers = {
        k: v for k, v in _signed(issued, b"{}").items() if k.lower() != "x-amz-security-token"
    }
    with pytest.raises(AccessDenied, match="security token"):
        _verify(store, headers, b"{}")


def test_a_signature_from_the_future_is_refused() -> None:
    store = CredentialStore()
    issued = _issue(store)
    with pytest.raises(AccessDenied, match="Signature expired"):
        _verify(store, _signed(issued, b"{}"), b"{}", now=datetime.now(UTC) - timedelta(minutes=6))


def test_a_changed_query_string_is_refused() -> None:
    store = CredentialStore()
    issued = _issue(store)
    headers = _signed(issued, b"{}")
    with pytest.raises(AccessDenied, match="does not match"):
        verify(
            store,
            method="POST",
            raw_path=PATH,
            raw_query=QUERY + "&y=2",
            headers=headers,
            body=b"{}",
            region=REGION,
        )


def test_a_query_with_at_space_and_vietnamese_is_accepted_as_botocore_clients_sign_it() -> None:
    """botocore's clients pass the query as params: encoded per SigV4 in the URL and the
    signature. The gateway decodes what arrives and encodes it again, as the specification says."""
    store = CredentialStore()
    issued = _issue(store)
    params = {"customer_id": "Nguyễn", "q": "an@example.com b+c", "a": "~x"}
    request = AWSRequest(method="GET", url="http://127.0.0.1:8080/v1/staff/audit", params=params)
    creds = Credentials(issued.access_key_id, issued.secret_access_key, issued.session_token)
    SigV4Auth(creds, "execute-api", REGION).add_auth(request)
    sent = request.prepare()
    raw_query = str(sent.url).partition("?")[2]
    assert "%40" in raw_query
    assert "%E1%BB%85" in raw_query
    headers = {**sent.headers, "Host": "127.0.0.1:8080"}

    def get(raw_query: str) -> Issued:
        return verify(
            store,
            method="GET",
            raw_path="/v1/staff/audit",
            raw_query=raw_query,
            headers=headers,
            body=b"",
            region=REGION,
        )

    assert get(raw_query) == issued
    # The same values sent unencoded, in another order, or with lower-case escapes: same request.
    for variant in (
        "customer_id=Nguyễn&q=an@example.com%20b%2Bc&a=~x",
        "q=an%40example.com%20b%2bc&a=%7Ex&customer_id=Nguy%e1%bb%85n",
    ):
        assert get(variant) == issued
    with pytest.raises(AccessDenied, match="does not match"):
        get(raw_query.replace("Nguy", "Ngu"))


def test_a_declared_payload_hash_that_does_not_match_the_body_is_refused() -> None:
    """API Gateway hashes the body it received; botocore signs the hash the header declares."""
    store = CredentialStore()
    issued = _issue(store)
    request = AWSRequest(
        method="POST",
        url=URL,
        data=b'{"category": "privacy"}',
        headers={
            "Content-Type": "application/json",
            "X-Amz-Content-SHA256": hashlib.sha256(b'{"category": "other"}').hexdigest(),
        },
    )
    creds = Credentials(issued.access_key_id, issued.secret_access_key, issued.session_token)
    SigV4Auth(creds, "execute-api", REGION).add_auth(request)
    headers = {**request.headers, "Host": "127.0.0.1:8080"}
    with pytest.raises(AccessDenied, match="does not match"):
        _verify(store, headers, b'{"category": "privacy"}')
    assert _verify(store, headers, b'{"category": "other"}') == issued


def test_a_signature_that_leaves_out_the_host_is_refused() -> None:
    store = CredentialStore()
    issued = _issue(store)
    request = AWSRequest(method="POST", url=URL, data=b"{}")
    creds = Credentials(issued.access_key_id, issued.secret_access_key, issued.session_token)
    SigV4Auth(creds, "execute-api", REGION).add_auth(request)
    auth = request.headers["Authorization"].replace("SignedHeaders=host;", "SignedHeaders=")
    headers = {**request.headers, "Authorization": auth, "Host": "127.0.0.1:8080"}
    with pytest.raises(AccessDenied, match="'Host'"):
        _verify(store, headers, b"{}")


def test_a_path_is_canonicalised_as_it_arrived_encoded_once_more() -> None:
    """A ``:`` may arrive unencoded (consent ids) and ``Nguyễn`` percent-encoded: botocore and
    AWS encode the path as sent once more, so ``%`` becomes ``%25``."""
    store = CredentialStore()
    issued = _issue(store)
    creds = Credentials(issued.access_key_id, issued.secret_access_key, issued.session_token)
    for raw_path in ("/v1/me/consents/third_party_sharing:partner-x", "/v1/x/Nguy%E1%BB%85n"):
        request = AWSRequest(method="PUT", url="http://127.0.0.1:8080" + raw_path, data=b"{}")
        SigV4Auth(creds, "execute-api", REGION).add_auth(request)
        verified = verify(
            store,
            method="PUT",
            raw_path=raw_path,
            raw_query="",
            headers={**request.headers, "Host": "127.0.0.1:8080"},
            body=b"{}",
            region=REGION,
        )
        assert verified == issued
