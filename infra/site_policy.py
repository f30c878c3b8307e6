"""The privacy centre's security headers, the same for CloudFront (infra/site.py) and the local
runtime (local/site.py): scripts, styles and images only from the site itself, calls only to the
site (its config.json), the API and Cognito's endpoints; no framing, no referrer."""

from __future__ import annotations

from collections.abc import Sequence

REFERRER_POLICY = "no-referrer"


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
