"""Temporary credentials of the principals' roles, and SigV4 verification as API Gateway does it.

Moto's Cognito identity pool gives everyone the same fake credentials, so the local runtime
mints its own (``/_local/credentials``) and remembers whose they are. A signature is checked by
recomputing it as the SigV4 specification says ("Create a canonical request", AWS Signature
Version 4 for API requests), from the request as it arrived: the raw path encoded once more,
the raw query string decoded and re-encoded with RFC 3986's unreserved characters kept, the
headers the client signed, and the SHA-256 of the body actually received (a declared
``X-Amz-Content-SHA256`` must match it).
Any signer that follows the specification (botocore, ``@smithy/signature-v4``, ``aws4fetch``,
``awscurl``) is accepted whatever its query holds.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote_plus

from botocore.utils import normalize_url_path

SERVICE = "execute-api"
MAX_CLOCK_SKEW = timedelta(minutes=5)
LIFETIME = timedelta(hours=1)
AMZ_DATE = "%Y%m%dT%H%M%SZ"
ALGORITHM = "AWS4-HMAC-SHA256"
UNRESERVED = "-_.~"  # with letters and digits, never percent-encoded (RFC 3986)
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service "
    "documentation for details."
)


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
    session_policy: list[dict[str, Any]] | None = None  # statements; None: no session policy
    context: dict[str, str] = field(default_factory=dict)  # IAM context keys of the session


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
    if algorithm != ALGORITHM:
        raise AccessDenied("Authorization header requires the AWS4-HMAC-SHA256 algorithm.")
    parts = dict(part.strip().split("=", 1) for part in rest.split(",") if "=" in part)
    if not {"Credential", "SignedHeaders", "Signature"} <= parts.keys():
        raise AccessDenied(
            "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature'."
        )
    return parts


def _encode(text: str) -> str:
    return quote(text, safe=UNRESERVED)


def canonical_uri(raw_path: str) -> str:
    """The path as it arrived (URI-encoded once), dot segments removed, URI-encoded again: every
    service but S3 encodes path segments twice. A ``:`` or ``@`` may arrive unencoded."""
    return quote(normalize_url_path(raw_path), safe="/" + UNRESERVED)


def canonical_query(raw_query: str) -> str:
    """Each name and value decoded then encoded, sorted by name then value. A ``+`` is a space,
    as AWS reads queries (botocore sends spaces as ``+`` and signs them as ``%20``)."""
    pairs = []
    for part in raw_query.split("&"):
        if part:
            name, _, value = part.partition("=")
            pairs.append((_encode(unquote_plus(name)), _encode(unquote_plus(value))))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def canonical_request(
    method: str,
    raw_path: str,
    raw_query: str,
    headers: dict[str, str],
    signed_headers: list[str],
    body: bytes,
) -> str:
    """``headers`` with lower-case names; ``raw_path`` and ``raw_query`` as received."""
    canonical_headers = "".join(
        f"{name}:{' '.join(headers.get(name, '').split())}\n" for name in signed_headers
    )
    return "\n".join(
        [
            method.upper(),
            canonical_uri(raw_path),
            canonical_query(raw_query),
            canonical_headers,
            ";".join(signed_headers),
            hashlib.sha256(body).hexdigest(),
        ]
    )


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def signature(secret: str, scope: list[str], amz_date: str, canonical: str) -> str:
    """The hex signature of a canonical request; ``scope`` is date, region, service, terminator."""
    key = ("AWS4" + secret).encode()
    for part in scope:
        key = _hmac(key, part)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    string_to_sign = "\n".join([ALGORITHM, amz_date, "/".join(scope), digest])
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def verify(
    store: CredentialStore,
    *,
    method: str,
    raw_path: str,
    raw_query: str,
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
    if "host" not in signed_headers:
        raise AccessDenied(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
        )
    declared = lower.get("x-amz-content-sha256")
    if declared is not None and declared != hashlib.sha256(body).hexdigest():
        raise AccessDenied(SIGNATURE_MISMATCH)  # API Gateway hashes the body it received
    canonical = canonical_request(method, raw_path, raw_query, lower, signed_headers, body)
    expected = signature(
        creds.secret_access_key,
        [date, region, SERVICE, "aws4_request"],
        lower["x-amz-date"],
        canonical,
    )
    if not hmac.compare_digest(expected, auth["Signature"]):
        raise AccessDenied(SIGNATURE_MISMATCH)
    return creds
