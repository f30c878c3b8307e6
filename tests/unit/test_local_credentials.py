"""SigV4 verification in the local gateway, against botocore's own signer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from local.credentials import AccessDenied, CredentialStore, Issued, Principal, verify

REGION = "ap-southeast-1"
URL = "http://127.0.0.1:8080/v1/complaints?x=1"


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
    return verify(store, method="POST", url=URL, headers=headers, body=body, region=REGION, now=now)


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
        verify(store, method="POST", url=URL + "&y=2", headers=headers, body=b"{}", region=REGION)
