"""Temporary credentials of the principals' roles, and SigV4 verification as API Gateway does it.

Moto's Cognito identity pool gives everyone the same fake credentials, so the local runtime
mints its own (``/_local/credentials``) and remembers whose they are. A signature is checked by
recomputing it with botocore's own SigV4 signer over the headers the client signed.
"""

from __future__ import annotations

import hmac
import secrets
import string
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

SERVICE = "execute-api"
MAX_CLOCK_SKEW = timedelta(minutes=5)
LIFETIME = timedelta(hours=1)
AMZ_DATE = "%Y%m%dT%H%M%SZ"


class AccessDenied(Exception):
    """A 403 before any handler runs, with API Gateway's message."""

    def __init__(self, message: str, key: str = "message") -> None:
        super().__init__(message)
        self.body = {key: message}


@dataclass(frozen=True)
class Principal:
    """Who holds a set of credentials: the role they act in and what API Gateway tells handlers."""

    role_logical_id: str
    user_arn: str
    identity: dict[str, Any]


@dataclass(frozen=True)
class Issued:
    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: datetime
    principal: Principal

    def as_json(self) -> dict[str, str]:
        return {
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key,
            "SessionToken": self.session_token,
            "Expiration": self.expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


@dataclass
class CredentialStore:
    issued: dict[str, Issued] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def mint(self, principal: Principal, now: datetime | None = None) -> Issued:
        creds = Issued(
            access_key_id="ASIA" + _random(string.ascii_uppercase + string.digits, 16),
            secret_access_key=_random(string.ascii_letters + string.digits + "/+", 40),
            session_token=_random(string.ascii_letters + string.digits, 120),
            expiration=(now or datetime.now(UTC)) + LIFETIME,
            principal=principal,
        )
        with self.lock:
            self.issued[creds.access_key_id] = creds
        return creds

    def get(self, access_key_id: str) -> Issued | None:
        with self.lock:
            return self.issued.get(access_key_id)


def _parse_authorization(value: str) -> dict[str, str]:
    algorithm, _, rest = value.partition(" ")
    if algorithm != "AWS4-HMAC-SHA256":
        raise AccessDenied("Authorization header requires the AWS4-HMAC-SHA256 algorithm.")
    parts = dict(part.strip().split("=", 1) for part in rest.split(",") if "=" in part)
    if not {"Credential", "SignedHeaders", "Signature"} <= parts.keys():
        raise AccessDenied(
            "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature'."
        )
    return parts


def verify(
    store: CredentialStore,
    *,
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    region: str,
    now: datetime | None = None,
) -> Issued:
    """The caller's credentials if the request is correctly signed by them, else AccessDenied."""
    now = now or datetime.now(UTC)
    lower = {k.lower(): v for k, v in headers.items()}
    if "authorization" not in lower:
        raise AccessDenied("Missing Authentication Token")
    auth = _parse_authorization(lower["authorization"])
    access_key_id, date, scope_region, service, terminator = (
        auth["Credential"].split("/") + [""] * 5
    )[:5]
    creds = store.get(access_key_id)
    if creds is None or lower.get("x-amz-security-token") != creds.session_token:
        raise AccessDenied("The security token included in the request is invalid.")
    if (scope_region, service, terminator) != (region, SERVICE, "aws4_request"):
        raise AccessDenied(
            f"Credential should be scoped to a valid region and service '{SERVICE}'."
        )
    if creds.expiration <= now:
        raise AccessDenied("The security token included in the request is expired")
    try:
        signed_at = datetime.strptime(lower.get("x-amz-date", ""), AMZ_DATE).replace(tzinfo=UTC)
    except ValueError:
        raise AccessDenied(
            "Authorization header requires existence of a 'X-Amz-Date' header."
        ) from None
    if abs(now - signed_at) > MAX_CLOCK_SKEW:
        earliest = (now - MAX_CLOCK_SKEW).strftime(AMZ_DATE)
        raise AccessDenied(
            f"Signature expired: {signed_at.strftime(AMZ_DATE)} is now earlier than {earliest} "
            f"({now.strftime(AMZ_DATE)} - 5 min.)"
        )
    if not date or signed_at.strftime("%Y%m%d") != date:
        raise AccessDenied("Credential date does not match the X-Amz-Date header.")

    signed_headers = auth["SignedHeaders"].split(";")
    request = AWSRequest(
        method=method,
        url=url,
        data=body,
        headers={name: lower.get(name, "") for name in signed_headers},
    )
    request.context["timestamp"] = lower["x-amz-date"]
    signer = SigV4Auth(
        BotoCredentials(creds.access_key_id, creds.secret_access_key, creds.session_token),
        SERVICE,
        region,
    )
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, auth["Signature"]):
        raise AccessDenied(
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details."
        )
    return creds
