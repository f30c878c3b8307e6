"""The privacy centre's security headers, the same for CloudFront (infra/site.py) and the local
runtime (local/site.py): scripts, styles and images only from the site itself, calls only to the
site (its config.json), the API and Cognito's endpoints; no framing, no referrer. And what the
API's CORS lets the site's origin send (infra/cors.py, local/cors.py)."""

from __future__ import annotations

from collections.abc import Sequence

REFERRER_POLICY = "no-referrer"

# A signed call's headers (SigV4 and the AWS SDK's), the body's type and the Idempotency-Key.
CORS_ALLOWED_HEADERS = (
    "authorization",
    "content-type",
    "idempotency-key",
    "x-amz-content-sha256",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-target",
    "x-amz-user-agent",
    "amz-sdk-invocation-id",
    "amz-sdk-request",
    "cache-control",
)
CORS_ALLOWED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
CORS_MAX_AGE_SECONDS = 600


def aws_endpoints(region: str) -> list[str]:
    """What the page calls besides the API: the user pool (SRP, MFA), the identity pool and STS
    (guests' basic flow), by their regional endpoints."""
    return [
        f"https://cognito-idp.{region}.amazonaws.com",
        f"https://cognito-identity.{region}.amazonaws.com",
        f"https://sts.{region}.amazonaws.com",
    ]


def content_security_policy(connect_sources: Sequence[str]) -> str:
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
            "connect-src 'self' " + " ".join(connect_sources),
            "form-action 'self'",
            "base-uri 'none'",
            "object-src 'none'",
            "frame-ancestors 'none'",
        ]
    )
