"""Who is calling, from what API Gateway put in ``requestContext.identity`` (never from input)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ongpt.platform.access import STAFF_ROLES
from ongpt.platform.errors import ServiceError

_CUSTOMER = re.compile(r":CognitoSignIn:(?P<sub>[0-9a-fA-F-]{36})$")
_STAFF = re.compile(
    r"^arn:aws:sts::\d{12}:assumed-role/(?P<role>[\w+=,.@-]+)/(?P<session>[\w+=,.@-]+)$"
)


class Forbidden(ServiceError):
    status = 403
    code = "FORBIDDEN"


@dataclass(frozen=True)
class Caller:
    kind: str  # guest | customer | staff
    id: str  # identity id, customer id (the user-pool sub) or staff member
    role: str | None = None  # support | compliance | admin

    @property
    def principal(self) -> str:
        """The row of API.md's principal table: guest, customer or the staff member's role."""
        return self.role or self.kind


def caller(event: dict[str, Any]) -> Caller:
    identity = event.get("requestContext", {}).get("identity") or {}
    provider = identity.get("cognitoAuthenticationProvider") or ""
    if identity.get("cognitoAuthenticationType") == "authenticated":
        match = _CUSTOMER.search(provider)
        if match:
            return Caller("customer", match.group("sub"))
    staff = _STAFF.match(identity.get("userArn") or "")
    if staff and staff.group("role") in STAFF_ROLES:
        return Caller("staff", staff.group("session"), STAFF_ROLES[staff.group("role")])
    if identity.get("cognitoIdentityId"):
        return Caller("guest", identity["cognitoIdentityId"])
    raise Forbidden("The caller could not be identified.")
